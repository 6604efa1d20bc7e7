namespace Hunyuan.Cli.Commands.Bench;

/// <summary>The middle of the bench commands' runs: the figure they report, robust to this machine's occasional stalls.</summary>
internal static class Median
{
    /// <summary>The median (the mean of the two middle values for an even count), or NaN when there is nothing to take it of.</summary>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
