namespace Hunyuan.Cluster.State;

/// <summary>A node of the cluster as `up` left it; <see cref="Metrics"/> is its agent's Prometheus target (host:port).</summary>
public sealed record ClusterHost(string Address, string Role, string Node, string Gpus, string? Metrics = null);
