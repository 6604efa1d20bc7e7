using System.Diagnostics;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// Aggregate decode tokens/s of a batch of streams sampled at temperature 1, with a grammar's masks or without: the
/// same model steps and the same sampler (<see cref="TokenSampler"/>) either way, so the difference is what structured
/// output costs (the mask of each stream, applying it, advancing). A stream whose value completes starts a new one in
/// the same sequence, so the batch stays full and both runs do the same number of steps.
/// </summary>
public static class ConstrainedDecodeBenchmark
{
    /// <param name="grammar">Null for the unconstrained run.</param>
    /// <param name="vocabLimit">The tokenizer's ids: rows past it are the embedding's padding and never sampled.</param>
    public static async Task<ConstrainedDecodeResult> RunAsync(ICausalLm lm, ITokenGrammar? grammar, int vocabLimit, int streams, int steps, int promptLength, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(lm);
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptLength, 1);
        var random = new Random(seed);
        var prompts = Enumerable.Range(0, streams).Select(_ => Enumerable.Range(0, promptLength).Select(_ => (long)random.Next(vocabLimit)).ToArray()).ToArray();
        var constraints = Enumerable.Range(0, streams).Select(_ => grammar?.Start()).ToArray();
        var parameters = Enumerable.Range(0, streams).Select(i => new SamplingParameters(Temperature: 1, Seed: seed + i, VocabLimit: vocabLimit)).ToArray();
        var batch = Enumerable.Range(0, streams).Select(i => new SequenceStep(1_000_000 + i, 0, prompts[i])).ToArray();
        var values = 0;
        var sw = new Stopwatch();
        try
        {
            for (var step = 0; step <= steps; step++)
            {
                // The prefill step is not timed: it is the same in both runs and not decode.
                if (step == 1)
                {
                    sw.Start();
                }

                using var logits = await lm.StepAsync(batch, LogitsMode.LastOfEachSegment);
                using var host = logits.to(torch.ScalarType.Float32).cpu().contiguous();
                var all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(host.bytes).ToArray();
                var width = (int)host.shape[1];
                for (var i = 0; i < streams; i++)
                {
                    var row = all.AsSpan(i * width, width).ToArray();
                    var position = batch[i].StartPosition + batch[i].TokenIds.Length;
                    if (constraints[i] is { } c)
                    {
                        Mask(row, c.AllowedTokens());
                    }

                    var token = TokenSampler.Sample(row, parameters[i], [], promptLength, position);
                    if (constraints[i] is { } constraint)
                    {
                        constraint.Advance(token);
                        if (constraint.IsComplete)
                        {
                            values++;
                            constraints[i] = grammar!.Start();
                        }
                    }

                    batch[i] = new SequenceStep(batch[i].SequenceId, position, [token]);
                }
            }

            sw.Stop();
        }
        finally
        {
            foreach (var s in batch)
            {
                await lm.ReleaseAsync(s.SequenceId);
            }
        }

        return new ConstrainedDecodeResult(streams, steps, streams * (double)steps / sw.Elapsed.TotalSeconds, values);
    }

    private static void Mask(float[] logits, ulong[]? mask)
    {
        if (mask is null)
        {
            return;
        }

        for (var id = 0; id < logits.Length; id++)
        {
            if (id >= mask.Length * 64 || (mask[id >> 6] & (1UL << (id & 63))) == 0)
            {
                logits[id] = float.NegativeInfinity;
            }
        }
    }
}
