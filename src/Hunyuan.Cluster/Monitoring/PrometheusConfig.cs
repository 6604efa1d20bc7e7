using System.Globalization;
using System.Text;
using Hunyuan.Cluster.State;
using Hunyuan.Serving;

namespace Hunyuan.Cluster.Monitoring;

/// <summary>
/// ~/.hyc/clusters/NAME/prometheus.yml, rewritten whenever `up` or `deploy` changes what there is to scrape: every
/// agent's /metrics and every endpoint's, the endpoints' vllm_* series stored under vLLM's own vllm:* names so the
/// Grafana dashboards made for vLLM (and examples/grafana/hyc.json) work unchanged.
/// </summary>
public static class PrometheusConfig
{
    public static string FileOf(ClusterStore store) => Path.Combine(store.Directory, "prometheus.yml");

    public static string Render(ClusterState state)
    {
        var agents = state.Hosts.Select(h => h.Metrics).OfType<string>().ToList();
        var endpoints = state.Endpoints.Select(e => new Uri(e.Url)).Select(u => $"{u.Host}:{u.Port}").Distinct(StringComparer.Ordinal).ToList();
        var yaml = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Written by hyc for cluster '{state.Name}' ({state.Runtime}); run: prometheus --config.file=THIS_FILE")
            .AppendLine("global:")
            .AppendLine("  scrape_interval: 15s")
            .AppendLine("scrape_configs:")
            .AppendLine("  - job_name: hyc-agents")
            .AppendLine("    static_configs:")
            .AppendLine(CultureInfo.InvariantCulture, $"      - targets: [{Quoted(agents)}]")
            .AppendLine(CultureInfo.InvariantCulture, $"        labels: {{cluster: '{state.Name}'}}")
            .AppendLine("  - job_name: hyc-endpoints")
            .AppendLine("    # An endpoint started with an API key wants it here too: authorization: {credentials_file: FILE}")
            .AppendLine("    static_configs:")
            .AppendLine(CultureInfo.InvariantCulture, $"      - targets: [{Quoted(endpoints)}]")
            .AppendLine(CultureInfo.InvariantCulture, $"        labels: {{cluster: '{state.Name}'}}")
            .Append(ServingMetrics.VllmRelabel.TrimEnd()).AppendLine();
        return yaml.ToString();
    }

    public static void Write(ClusterStore store, ClusterState state) => PrivateFile.Write(FileOf(store), Render(state));

    private static string Quoted(IEnumerable<string> targets) => string.Join(", ", targets.Select(t => $"'{t}'"));
}
