namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// A confidence interval for a median that assumes nothing about the values' distribution (the sign test's: the k-th
/// smallest and k-th largest of n values, k as large as the binomial tail allows); the bench commands take it over paired
/// runs' differences or ratios. This machine's runs have stalls of 10-20 ms in them, so a normal-theory interval would
/// mislead; this one only assumes the runs are independent. <see cref="Confidence"/> is the interval's exact coverage, at least the level asked.
/// </summary>
internal readonly record struct MedianInterval(double Low, double High, double Confidence)
{
    /// <summary>The interval at <paramref name="level"/> or more, or null when there are too few values for it (fewer than 6 at 95%).</summary>
    public static MedianInterval? Of(IReadOnlyList<double> values, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(level, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(level, 1);
        var sorted = values.Order().ToArray();
        var n = sorted.Length;

        // Excluding the k smallest and k largest leaves the median outside with probability 2 P(X <= k - 1), X ~ Bin(n, 1/2).
        var (k, tail, logChoose, logHalfN) = (0, 0.0, 0.0, -n * Math.Log(2));
        while (k < n / 2)
        {
            var next = tail + Math.Exp(logChoose + logHalfN);
            if (2 * next > 1 - level)
            {
                break;
            }

            (tail, logChoose) = (next, logChoose + Math.Log(n - k) - Math.Log(k + 1));
            k++;
        }

        return k == 0 ? null : new MedianInterval(sorted[k - 1], sorted[n - k], 1 - (2 * tail));
    }

    /// <summary>The bounds to <paramref name="digits"/> places and the coverage to 4, as the JSON reports carry them.</summary>
    public MedianInterval Rounded(int digits) => new(Math.Round(Low, digits), Math.Round(High, digits), Math.Round(Confidence, 4));

    /// <summary>"96.5% interval LOW to HIGH" with each bound as <paramref name="bound"/> writes it, or what gives one.</summary>
    /// <param name="runs">What was repeated ("runs", "rounds").</param>
    /// <param name="option">The option that sets how many.</param>
    public static string Describe(MedianInterval? interval, Func<double, string> bound, string runs, string option) =>
        interval is { } i
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{i.Confidence * 100:F1}% interval {bound(i.Low)} to {bound(i.High)}")
            : $"too few {runs} for a 95% interval, {option} 6 or more";
}
