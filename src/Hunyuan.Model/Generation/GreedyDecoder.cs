using System.Diagnostics;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Model.Generation;

/// <summary>Prefill a prompt, then argmax-decode with the KV cache, one token per step.</summary>
public static class GreedyDecoder
{
    public static GreedyResult Run(HunyuanModel model, IReadOnlyList<long> prompt, int newTokens, bool keepPromptLogits = false)
    {
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt is empty", nameof(prompt));
        }

        using var cache = model.NewCache();
        var generated = new List<long>(newTokens);
        var sw = Stopwatch.StartNew();
        torch.Tensor? promptLogits = null;
        long next;
        using (var ids = torch.tensor(prompt.ToArray(), dtype: torch.ScalarType.Int64))
        using (var logits = model.Forward(ids, [new SequenceSegment(cache, prompt.Count)], keepPromptLogits ? LogitsMode.All : LogitsMode.LastOfEachSegment))
        {
            using var last = logits[-1];
            next = last.argmax().item<long>();
            if (keepPromptLogits)
            {
                promptLogits = logits.alias().DetachFromDisposeScope();
            }
        }

        var prefill = sw.Elapsed;
        sw.Restart();
        for (var i = 0; i < newTokens; i++)
        {
            generated.Add(next);
            if (i == newTokens - 1)
            {
                break;
            }

            using var ids = torch.tensor(new[] { next }, dtype: torch.ScalarType.Int64);
            using var logits = model.Forward(ids, [new SequenceSegment(cache, 1)]);
            next = logits[0].argmax().item<long>();
        }

        var decode = sw.Elapsed;
        return new GreedyResult(generated, promptLogits, prefill, decode, Math.Max(0, newTokens - 1));
    }
}
