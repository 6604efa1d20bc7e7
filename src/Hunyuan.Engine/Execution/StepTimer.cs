using System.Diagnostics;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;

namespace Hunyuan.Engine.Execution;

/// <summary>Times prefill and batch-1 decode steps of any <see cref="ICausalLm"/>, for the layout benchmarks.</summary>
public static class StepTimer
{
    public static async Task<StepTimings> MeasureAsync(ICausalLm lm, int promptTokens, int warmupSteps, int measuredSteps, int seed = 0)
    {
        var random = new Random(seed);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => (long)random.Next(lm.Config.VocabSize)).ToArray();
        const long sequence = 424242;

        // One unmeasured prefill first: the first run of each kernel shape pays one-off costs.
        using (var warm = await lm.StepAsync([new SequenceStep(sequence + 1, 0, prompt)], LogitsMode.LastOfEachSegment))
        {
        }

        await lm.ReleaseAsync(sequence + 1);
        var sw = Stopwatch.StartNew();
        using (var logits = await lm.StepAsync([new SequenceStep(sequence, 0, prompt)], LogitsMode.LastOfEachSegment))
        {
        }

        var prefillMs = sw.Elapsed.TotalMilliseconds;
        var position = promptTokens;
        var times = new List<double>(measuredSteps);
        for (var i = 0; i < warmupSteps + measuredSteps; i++)
        {
            sw.Restart();
            using var logits = await lm.StepAsync([new SequenceStep(sequence, position++, [(long)random.Next(lm.Config.VocabSize)])], LogitsMode.LastOfEachSegment);
            if (i >= warmupSteps)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        await lm.ReleaseAsync(sequence);
        times.Sort();
        return new StepTimings(prefillMs, times.Average(), times[times.Count / 2]);
    }
}

public sealed record StepTimings(double PrefillMs, double MeanDecodeStepMs, double MedianDecodeStepMs);
