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

    /// <summary>The median, or NaN when there is nothing to take it of.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
