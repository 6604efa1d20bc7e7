using Hunyuan.Engine.Scheduling;

namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// Turns the scheduler's running totals into rates over the last few seconds (a window, so every sample is the same
/// kind of figure however often it is taken), and keeps the last minute of time-to-first-token observations for exact
/// percentiles (the Prometheus histogram's buckets are too coarse for a p50 worth reading).
/// </summary>
public sealed class LiveRates : IDisposable
{
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TtftWindow = TimeSpan.FromMinutes(1);
    private const int MaxKept = 4096;

    private readonly EngineMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Queue<(long At, double Seconds)> _ttft = new();
    private readonly Action<double> _observe;
    private readonly Queue<(long At, long Finished, long Tokens)> _totals = new();

    public LiveRates(EngineMetrics metrics, TimeProvider time)
    {
        _metrics = metrics;
        _time = time;
        _totals.Enqueue((time.GetTimestamp(), Finished(), metrics.GenerationTokens));
        _observe = Observe;
        metrics.TimeToFirstToken.Observed += _observe;
    }

    /// <summary>Rates over the last <see cref="RateWindow"/> (or since construction, when that is shorter).</summary>
    public LiveStats Sample()
    {
        var now = _time.GetTimestamp();
        var finished = Finished();
        var tokens = _metrics.GenerationTokens;
        double requestRate, tokenRate, seconds;
        lock (_totals)
        {
            // Keep the newest total that is at least a window old as the base, so the window is full once it can be.
            while (_totals.Count > 1 && _time.GetElapsedTime(_totals.ElementAt(1).At, now) >= RateWindow)
            {
                _totals.Dequeue();
            }

            var (baseAt, baseFinished, baseTokens) = _totals.Peek();
            seconds = _time.GetElapsedTime(baseAt, now).TotalSeconds;
            (requestRate, tokenRate) = seconds > 0 ? ((finished - baseFinished) / seconds, (tokens - baseTokens) / seconds) : (0, 0);
            _totals.Enqueue((now, finished, tokens));
        }

        double[] recent;
        lock (_ttft)
        {
            while (_ttft.Count > 0 && _time.GetElapsedTime(_ttft.Peek().At, now) > TtftWindow)
            {
                _ttft.Dequeue();
            }

            recent = _ttft.Select(o => o.Seconds).ToArray();
        }

        Array.Sort(recent);
        return new LiveStats(requestRate, tokenRate, seconds, Percentile(recent, 0.50) * 1000, Percentile(recent, 0.99) * 1000,
            _metrics.KvUsage, _metrics.Running, _metrics.Waiting);
    }

    public void Dispose() => _metrics.TimeToFirstToken.Observed -= _observe;

    /// <summary>Nearest-rank percentile of sorted values; null when there are none.</summary>
    internal static double? Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private long Finished() => Enum.GetValues<FinishReason>().Sum(_metrics.FinishedBy);

    private void Observe(double seconds)
    {
        lock (_ttft)
        {
            _ttft.Enqueue((_time.GetTimestamp(), seconds));
            if (_ttft.Count > MaxKept)
            {
                _ttft.Dequeue();
            }
        }
    }
}
