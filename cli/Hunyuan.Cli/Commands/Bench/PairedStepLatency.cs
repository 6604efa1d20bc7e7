namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// Per-step milliseconds of a deployment and of its one-process reference, timed in alternation, run i of one beside run
/// i of the other. The overhead is the median of the per-run differences, not the difference of two medians: a drift
/// that slows both runs of a pair cancels in it.
/// </summary>
internal sealed record PairedStepLatency(IReadOnlyList<double> ClusterRuns, IReadOnlyList<double> SingleRuns)
{
    public double ClusterMs => Median.Of(ClusterRuns);

    public double SingleMs => Median.Of(SingleRuns);

    public IReadOnlyList<double> OverheadRuns => ClusterRuns.Zip(SingleRuns, (c, s) => c - s).ToArray();

    public double OverheadMs => Median.Of(OverheadRuns);

    /// <summary>A 95% (or wider) interval for <see cref="OverheadMs"/>; null with fewer than 6 runs.</summary>
    public MedianInterval? OverheadInterval => MedianInterval.Of(OverheadRuns);

    /// <summary>The overhead and its interval as a report says them.</summary>
    public string DescribeOverhead() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"overhead {OverheadMs:F2} ms ({Ratio:F2}x; {MedianInterval.Describe(OverheadInterval, x => x.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " ms", "runs", "--repeat")})");

    /// <summary>The median of the per-run ratios cluster / single.</summary>
    public double Ratio => Median.Of(ClusterRuns.Zip(SingleRuns, (c, s) => c / s));
}
