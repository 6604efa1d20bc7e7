using Hunyuan.Engine.Scheduling;
using Prometheus;

namespace Hunyuan.Serving;

/// <summary>
/// The endpoint's /metrics, through prometheus-net: the serving metrics under vLLM's names and labels, hyc's own
/// beside them, and every .NET Meter of the process (ASP.NET Core, the runtime) through prometheus-net's meter
/// adapter. One registry per endpoint, so two endpoints in one process (tests) never share one. vLLM's names hold a
/// colon (vllm:num_requests_running), which prometheus-net 8.2 refuses (measured: its name rule is
/// ^[a-zA-Z_][a-zA-Z0-9_]*$) as OpenTelemetry does: they are exposed as vllm_..., and <see cref="VllmRelabel"/> is the
/// Prometheus metric_relabel_configs rule that stores them under vLLM's own names, so vLLM's Grafana dashboards work.
/// </summary>
public sealed class ServingMetrics : IDisposable
{
    private readonly IDisposable _meters;
    private readonly List<Action> _unsubscribe = [];

    public ServingMetrics(EngineMetrics engine, string modelName)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry).WithLabels(new Dictionary<string, string> { ["model_name"] = modelName });
        var running = factory.CreateGauge("vllm_num_requests_running", "Number of requests in the running batch.");
        var waiting = factory.CreateGauge("vllm_num_requests_waiting", "Number of requests waiting to be scheduled.");
        var kvUsage = factory.CreateGauge("vllm_kv_cache_usage_perc", "KV-cache usage: 1 means 100 percent of the blocks in use.");
        var blocksUsed = factory.CreateGauge("hyc_kv_blocks_used", "KV blocks in use.");
        var blocksTotal = factory.CreateGauge("hyc_kv_blocks_total", "KV blocks in the pool.");
        var prompt = factory.CreateCounter("vllm_prompt_tokens_total", "Prefill tokens processed.");
        var generation = factory.CreateCounter("vllm_generation_tokens_total", "Generation tokens processed.");
        var preemptions = factory.CreateCounter("vllm_num_preemptions_total", "Requests preempted for lack of KV blocks (recomputed later).");
        var success = factory.CreateCounter("vllm_request_success_total", "Requests finished, by finish reason.", ["finished_reason"]);

        var prefixQueries = factory.CreateCounter("vllm_prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.");
        var prefixHits = factory.CreateCounter("vllm_prefix_cache_hits_total", "Prompt tokens found in the prefix cache (not prefilled again).");
        var prefixHitRate = factory.CreateGauge("hyc_prefix_cache_hit_rate", "Prefix-cache hits over queries since start, in tokens.");
        var blocksCached = factory.CreateGauge("hyc_kv_blocks_cached", "KV blocks cached for later prefixes that no request holds (evicted when needed).");

        Observe(engine.TimeToFirstToken, factory.CreateHistogram("vllm_time_to_first_token_seconds", "Time from arrival to the first token.", Buckets(engine.TimeToFirstToken)));
        Observe(engine.InterTokenLatency, factory.CreateHistogram("vllm_inter_token_latency_seconds", "Time between consecutive tokens of a request.", Buckets(engine.InterTokenLatency)));
        Observe(engine.RequestLatency, factory.CreateHistogram("vllm_e2e_request_latency_seconds", "Time from arrival to finish.", Buckets(engine.RequestLatency)));

        // Gauges and counters are read from the scheduler's own totals at scrape time: nothing is counted twice.
        Registry.AddBeforeCollectCallback(() =>
        {
            running.Set(engine.Running);
            waiting.Set(engine.Waiting);
            kvUsage.Set(engine.KvUsage);
            blocksUsed.Set(engine.KvBlocksUsed);
            blocksTotal.Set(engine.KvBlocksTotal);
            blocksCached.Set(engine.KvBlocksCached);
            prefixQueries.IncTo(engine.PrefixCacheQueries);
            prefixHits.IncTo(engine.PrefixCacheHits);
            prefixHitRate.Set(engine.PrefixCacheHitRate);
            prompt.IncTo(engine.PromptTokens);
            generation.IncTo(engine.GenerationTokens);
            preemptions.IncTo(engine.Preemptions);
            foreach (var reason in Enum.GetValues<FinishReason>())
            {
                success.WithLabels(ReasonLabel(reason)).IncTo(engine.FinishedBy(reason));
            }
        });
        _meters = MeterAdapter.StartListening(new MeterAdapterOptions { Registry = Registry, MetricFactory = Metrics.WithCustomRegistry(Registry) });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The scrape rule (YAML, under a scrape job) that renames vllm_X to vllm:X as Prometheus stores it.</summary>
    public const string VllmRelabel = """
            metric_relabel_configs:
              - source_labels: [__name__]
                regex: 'vllm_(.+)'
                target_label: __name__
                replacement: 'vllm:$1'
        """;

    /// <summary>vLLM's finished_reason values: stop, length, abort; and error for a failed step.</summary>
    public static string ReasonLabel(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.Cancelled => "abort",
        _ => "error",
    };

    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(output, cancellationToken);

    public void Dispose()
    {
        _meters.Dispose();
        foreach (var unsubscribe in _unsubscribe)
        {
            unsubscribe();
        }
    }

    private static HistogramConfiguration Buckets(Hunyuan.Engine.Scheduling.Histogram h) => new() { Buckets = [.. h.Bounds] };

    // The scheduler outlives an endpoint in tests (one backend, several apps): each endpoint unsubscribes on dispose.
    private void Observe(Hunyuan.Engine.Scheduling.Histogram source, Prometheus.Histogram target)
    {
        Action<double> observe = target.Observe;
        source.Observed += observe;
        _unsubscribe.Add(() => source.Observed -= observe);
    }
}
