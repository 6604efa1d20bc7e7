namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// Milliseconds per decode step of a generator: (time for 1 + N tokens - time for 1 token) / N, so prefill cancels out.
/// A deployment and its one-process reference are timed in alternation (ABBA), after both are warmed up, and compared
/// run by run: this machine drifts by a third within minutes, and timing one after the other (as the first version did,
/// the reference last, with the JIT still tiering up the code the first one ran) put that drift into the difference.
/// </summary>
internal static class DecodeStepLatency
{
    /// <summary>Untimed (1 + N)-token runs of each side first: the hot methods reach their optimized tier meanwhile.</summary>
    public const int WarmupRuns = 2;

    /// <param name="cluster">Generates that many tokens on the deployment; the flag says whether the call is timed.</param>
    /// <param name="single">Generates that many tokens in this process.</param>
    /// <param name="steps">N, the decode steps of a timed run.</param>
    /// <param name="repeat">Timed runs of each side.</param>
    /// <param name="time">The clock (fake in tests).</param>
    public static async Task<PairedStepLatency> InterleavedAsync(Func<int, bool, Task> cluster, Func<int, Task> single, int steps, int repeat, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeat, 1);
        time ??= TimeProvider.System;
        for (var i = 0; i < WarmupRuns; i++)
        {
            await cluster(1 + steps, false);
            await single(1 + steps);
        }

        var clusterRuns = new double[repeat];
        var singleRuns = new double[repeat];
        Func<int, Task> timedCluster = t => cluster(t, true);
        for (var i = 0; i < repeat; i++)
        {
            // ABBA: the side that goes first alternates, so a steady drift favours neither.
            var clusterFirst = i % 2 == 0;
            var first = await PerStepAsync(clusterFirst ? timedCluster : single, steps, time);
            var second = await PerStepAsync(clusterFirst ? single : timedCluster, steps, time);
            (clusterRuns[i], singleRuns[i]) = clusterFirst ? (first, second) : (second, first);
        }

        return new PairedStepLatency(clusterRuns, singleRuns);
    }

    /// <summary>
    /// A data-plane run's split of a decode step, from the driver's timings of the timed cluster calls (a 1-token and a
    /// (1 + N)-token run per repetition, in that order): per repetition the long run's less the short run's, over N, so
    /// prefill cancels out as in the step time itself; medians over the repetitions, in ms.
    /// </summary>
    public static (double RanksMs, double DataPlaneMs) Split(IReadOnlyList<Hunyuan.Engine.DataPlane.DataPlaneTimings> calls, int steps)
    {
        var ranks = new List<double>();
        var plane = new List<double>();
        for (var i = 0; i + 1 < calls.Count; i += 2)
        {
            var decode = calls[i + 1] - calls[i];
            ranks.Add(decode.RankSeconds * 1000 / steps);
            plane.Add((decode.StepSeconds - decode.RankSeconds) * 1000 / steps);
        }

        return (Median.Of(ranks), Median.Of(plane));
    }

    private static async Task<double> PerStepAsync(Func<int, Task> generate, int steps, TimeProvider time)
    {
        var started = time.GetTimestamp();
        await generate(1);
        var one = time.GetElapsedTime(started);
        started = time.GetTimestamp();
        await generate(1 + steps);
        var many = time.GetElapsedTime(started);
        return (many - one).TotalMilliseconds / steps;
    }
}
