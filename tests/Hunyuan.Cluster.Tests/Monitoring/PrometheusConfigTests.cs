using Hunyuan.Cluster.Monitoring;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.State;
using YamlDotNet.RepresentationModel;

namespace Hunyuan.Cluster.Tests.Monitoring;

/// <summary>The prometheus.yml `up` and `deploy` write: every agent and endpoint a target, vLLM's names restored by relabelling.</summary>
public sealed class PrometheusConfigTests
{
    [Fact]
    public void EveryAgentAndEndpointIsATargetAndVllmNamesAreRestored()
    {
        var state = new ClusterState
        {
            Name = "lab",
            Runtime = ClusterRuntimeKinds.SshDocker,
            Hosts = [new ClusterHost("10.0.0.1", "head", "10.0.0.1", "", "10.0.0.1:9400"), new ClusterHost("10.0.0.2", "worker", "10.0.0.2", "", "10.0.0.2:9400")],
            Endpoints = [new EndpointRecord("m", "http://10.0.0.1:8000/v1", "serve-m", 8000)],
        };

        var yaml = new YamlStream();
        yaml.Load(new StringReader(PrometheusConfig.Render(state)));
        var jobs = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["scrape_configs"];
        YamlMappingNode Job(string name) => jobs.Children.OfType<YamlMappingNode>().Single(j => j["job_name"].ToString() == name);
        static string[] Targets(YamlMappingNode job) => ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)job["static_configs"])[0])["targets"]).Children.Select(t => t.ToString()).ToArray();

        Assert.Equal(["10.0.0.1:9400", "10.0.0.2:9400"], Targets(Job("hyc-agents")));
        Assert.Equal(["10.0.0.1:8000"], Targets(Job("hyc-endpoints")));
        var relabel = (YamlMappingNode)((YamlSequenceNode)Job("hyc-endpoints")["metric_relabel_configs"])[0];
        Assert.Equal("vllm_(.+)", relabel["regex"].ToString());
        Assert.Equal("vllm:$1", relabel["replacement"].ToString());
        Assert.Equal("__name__", relabel["target_label"].ToString());
        Assert.Matches(relabel["regex"].ToString(), "vllm_num_requests_running");
    }
}
