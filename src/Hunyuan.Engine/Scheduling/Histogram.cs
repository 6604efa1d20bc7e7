namespace Hunyuan.Engine.Scheduling;

/// <summary>A Prometheus-style cumulative histogram of seconds.</summary>
public sealed class Histogram
{
    private readonly object _gate = new();
    private readonly long[] _counts;

    public Histogram(params double[] bounds)
    {
        Bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public IReadOnlyList<double> Bounds { get; }

    /// <summary>Each observation as it happens, for an exporter that keeps histograms of its own (Prometheus).</summary>
    public event Action<double>? Observed;

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public void Observe(double seconds)
    {
        lock (_gate)
        {
            Count++;
            Sum += seconds;
            for (var i = 0; i < Bounds.Count; i++)
            {
                if (seconds <= Bounds[i])
                {
                    _counts[i]++;
                }
            }
        }

        Observed?.Invoke(seconds);
    }

    public long[] CumulativeCounts()
    {
        lock (_gate)
        {
            return (long[])_counts.Clone();
        }
    }
}
