namespace Hunyuan.Cluster.Services;

/// <summary>Which cluster a client command means: explicit gateways (with the Orleans cluster id), else the state file of the cluster named <see cref="Name"/>.</summary>
public sealed record ClusterTarget(string Name, IReadOnlyList<string> Gateways, string ClusterId = "hunyuan")
{
    public static ClusterTarget Named(string name) => new(name, []);
}
