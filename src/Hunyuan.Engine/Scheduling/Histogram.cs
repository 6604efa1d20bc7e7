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
    }

    public long[] CumulativeCounts()
    {
        lock (_gate)
        {
            return (long[])_counts.Clone();
        }
    }
}
