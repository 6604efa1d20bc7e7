using System.Globalization;
using System.Text;
using Hunyuan.Engine.Scheduling;

namespace Hunyuan.Serving;

/// <summary>Prometheus text exposition of the engine metrics (names follow vLLM's, prefixed hyc:).</summary>
public static class PrometheusText
{
    public static string Render(EngineMetrics m, string model)
    {
        var sb = new StringBuilder();
        var label = $"{{model_name=\"{model.Replace("\"", "\\\"", StringComparison.Ordinal)}\"}}";
        void Gauge(string name, string help, double value) => sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name}{label} {value}\n");
        void Counter(string name, string help, double value) => sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name}{label} {value}\n");
        void Hist(string name, string help, Histogram h)
        {
            sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
            var counts = h.CumulativeCounts();
            var labelPrefix = label.TrimEnd('}');
            for (var i = 0; i < h.Bounds.Count; i++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{labelPrefix},le=\"{h.Bounds[i]}\"}} {counts[i]}\n");
            }

            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{labelPrefix},le=\"+Inf\"}} {h.Count}\n{name}_sum{label} {h.Sum}\n{name}_count{label} {h.Count}\n");
        }

        Gauge("hyc:num_requests_running", "Requests in the running batch.", m.Running);
        Gauge("hyc:num_requests_waiting", "Requests waiting for admission.", m.Waiting);
        Gauge("hyc:kv_cache_usage_perc", "Fraction of KV blocks in use.", m.KvUsage);
        Gauge("hyc:kv_blocks_used", "KV blocks in use.", m.KvBlocksUsed);
        Gauge("hyc:kv_blocks_total", "KV blocks in the pool.", m.KvBlocksTotal);
        Counter("hyc:prompt_tokens_total", "Prompt tokens admitted.", m.PromptTokens);
        Counter("hyc:generation_tokens_total", "Tokens generated.", m.GenerationTokens);
        Counter("hyc:num_preemptions_total", "Sequences preempted for lack of KV blocks (recomputed later).", m.Preemptions);
        Counter("hyc:request_success_total", "Requests finished (any reason).", m.RequestsFinished);
        Hist("hyc:time_to_first_token_seconds", "Time from arrival to the first token.", m.TimeToFirstToken);
        Hist("hyc:time_per_output_token_seconds", "Time between consecutive tokens of a request.", m.InterTokenLatency);
        Hist("hyc:e2e_request_latency_seconds", "Time from arrival to finish.", m.RequestLatency);
        return sb.ToString();
    }
}
