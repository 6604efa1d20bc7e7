namespace Hunyuan.Cluster.State;

/// <summary>A node of the cluster as `up` left it.</summary>
public sealed record ClusterHost(string Address, string Role, string Node, string Gpus);
