using System.Diagnostics;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Model.Generation;

/// <summary>Prefill a prompt, then argmax-decode with the KV cache, one token per step.</summary>
public static class GreedyDecoder
{
    public static GreedyResult Run(HunyuanModel model, IReadOnlyList<long> prompt, int newTokens, bool keepPromptLogits = false)
    {
        using var lm = new LocalCausalLm(model, ownsModel: false);
        return RunAsync(lm, prompt, newTokens, keepPromptLogits).GetAwaiter().GetResult();
    }

    public static async Task<GreedyResult> RunAsync(ICausalLm lm, IReadOnlyList<long> prompt, int newTokens, bool keepPromptLogits = false, long sequenceId = 1)
    {
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt is empty", nameof(prompt));
        }

        var generated = new List<long>(newTokens);
        var sw = Stopwatch.StartNew();
        torch.Tensor? promptLogits = null;
        long next;
        try
        {
            using (var logits = await lm.StepAsync([new SequenceStep(sequenceId, 0, prompt.ToArray())], keepPromptLogits ? LogitsMode.All : LogitsMode.LastOfEachSegment))
            {
                using var last = logits[-1];
                next = last.argmax().item<long>();
                if (keepPromptLogits)
                {
                    promptLogits = logits.clone().DetachFromDisposeScope();
                }
            }

            var prefill = sw.Elapsed;
            sw.Restart();
            var position = prompt.Count;
            for (var i = 0; i < newTokens; i++)
            {
                generated.Add(next);
                if (i == newTokens - 1)
                {
                    break;
                }

                using var logits = await lm.StepAsync([new SequenceStep(sequenceId, position++, [next])], LogitsMode.LastOfEachSegment);
                using var row = logits[0];
                next = row.argmax().item<long>();
            }

            return new GreedyResult(generated, promptLogits, prefill, sw.Elapsed, Math.Max(0, newTokens - 1));
        }
        finally
        {
            await lm.ReleaseAsync(sequenceId);
        }
    }
}
