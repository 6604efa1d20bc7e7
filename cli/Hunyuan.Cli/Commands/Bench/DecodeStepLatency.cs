using System.Diagnostics;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// Milliseconds per decode step of a generator: (time for 1 + N tokens - time for 1 token) / N, so prefill cancels
/// out; one warm-up, then the best of the repetitions.
/// </summary>
internal static class DecodeStepLatency
{
    public static async Task<double> BestAsync(Func<int, Task> generate, int steps, int repeat)
    {
        await generate(1);
        var best = double.MaxValue;
        for (var i = 0; i < repeat; i++)
        {
            var sw = Stopwatch.StartNew();
            await generate(1);
            var one = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            await generate(1 + steps);
            best = Math.Min(best, (sw.Elapsed.TotalMilliseconds - one) / steps);
        }

        return best;
    }

    /// <summary>
    /// A data-plane run's split of a decode step, from the driver's timings of every call <see cref="BestAsync"/> made
    /// (the warm-up, then a 1-token and a (1 + N)-token run per repetition): per repetition the long run's less the short
    /// run's, over N, so prefill cancels out as in the step time itself; medians over the repetitions, in ms.
    /// </summary>
    public static (double RanksMs, double DataPlaneMs) Split(IReadOnlyList<Hunyuan.Engine.DataPlane.DataPlaneTimings> calls, int steps)
    {
        var ranks = new List<double>();
        var plane = new List<double>();
        for (var i = 1; i + 1 < calls.Count; i += 2)
        {
            var decode = calls[i + 1] - calls[i];
            ranks.Add(decode.RankSeconds * 1000 / steps);
            plane.Add((decode.StepSeconds - decode.RankSeconds) * 1000 / steps);
        }

        return (Median(ranks), Median(plane));
    }

    /// <summary>The median, or NaN when there is nothing to take it of.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
