namespace Hunyuan.Engine.Scheduling;

/// <summary>What `/metrics` exposes: queue depths, KV usage, token counters, latencies, preemptions.</summary>
public sealed class EngineMetrics
{
    private long _promptTokens;
    private long _generationTokens;
    private long _preemptions;
    private long _prefixQueries;
    private long _prefixHits;
    private readonly long[] _finishedBy = new long[Enum.GetValues<FinishReason>().Length];

    public int Running { get; internal set; }

    public int Waiting { get; internal set; }

    public int KvBlocksUsed { get; internal set; }

    public int KvBlocksTotal { get; internal set; }

    /// <summary>Blocks on the free list.</summary>
    public int KvBlocksFree { get; internal set; }

    /// <summary>Cached blocks no request holds: kept for later prefixes, evicted when the pool needs them.</summary>
    public int KvBlocksCached { get; internal set; }

    /// <summary>Prompt tokens looked up in the prefix cache (requests' first choices; counted when caching is on).</summary>
    public long PrefixCacheQueries => Interlocked.Read(ref _prefixQueries);

    /// <summary>Of <see cref="PrefixCacheQueries"/>, those found cached (not prefilled again).</summary>
    public long PrefixCacheHits => Interlocked.Read(ref _prefixHits);

    /// <summary>Hits over queries since start, 0 before any query.</summary>
    public double PrefixCacheHitRate => PrefixCacheQueries == 0 ? 0 : PrefixCacheHits / (double)PrefixCacheQueries;

    public double KvUsage => KvBlocksTotal == 0 ? 0 : KvBlocksUsed / (double)KvBlocksTotal;

    public long PromptTokens => Interlocked.Read(ref _promptTokens);

    public long GenerationTokens => Interlocked.Read(ref _generationTokens);

    public long Preemptions => Interlocked.Read(ref _preemptions);

    public Histogram TimeToFirstToken { get; } = new(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);

    public Histogram InterTokenLatency { get; } = new(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);

    public Histogram RequestLatency { get; } = new(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);

    internal void AddPromptTokens(int n) => Interlocked.Add(ref _promptTokens, n);

    internal void AddGenerationToken() => Interlocked.Increment(ref _generationTokens);

    internal void AddPreemption() => Interlocked.Increment(ref _preemptions);

    internal void AddPrefixCacheLookup(int queried, int hit)
    {
        Interlocked.Add(ref _prefixQueries, queried);
        Interlocked.Add(ref _prefixHits, hit);
    }

    /// <summary>Requests finished for this reason so far.</summary>
    public long FinishedBy(FinishReason reason) => Interlocked.Read(ref _finishedBy[(int)reason]);

    internal void AddFinished(FinishReason reason) => Interlocked.Increment(ref _finishedBy[(int)reason]);
}
