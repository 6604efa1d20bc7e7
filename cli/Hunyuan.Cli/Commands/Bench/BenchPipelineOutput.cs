namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `bench pipeline --json`; snake_case keys: tp, pp, streams, serialized_tokens_per_s and pipelined_tokens_per_s (medians
/// over the rounds), speedup (the median of the rounds' pipelined / serialized ratios), speedup_runs (each round's ratio)
/// and, from 6 rounds on, speedup_interval {low, high, confidence} (see <see cref="MedianInterval"/>).
/// </summary>
internal sealed record BenchPipelineOutput(
    int Tp,
    int Pp,
    int Streams,
    double SerializedTokensPerS,
    double PipelinedTokensPerS,
    double Speedup,
    double[] SpeedupRuns,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] MedianInterval? SpeedupInterval)
{
    public static BenchPipelineOutput Of(int tp, int pp, int streams, IReadOnlyList<double> serialized, IReadOnlyList<double> pipelined)
    {
        var ratios = serialized.Zip(pipelined, (s, p) => p / s).ToArray();
        return new(
            tp,
            pp,
            streams,
            Math.Round(Median.Of(serialized), 2),
            Math.Round(Median.Of(pipelined), 2),
            Math.Round(Median.Of(ratios), 3),
            [.. ratios.Select(x => Math.Round(x, 3))],
            MedianInterval.Of(ratios)?.Rounded(3));
    }
}
