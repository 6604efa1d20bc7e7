namespace Hunyuan.Serving.Dashboard;

/// <summary>One GPU of a node: memory in bytes; used is null where the node cannot measure it (virtual GPUs).</summary>
public sealed record DashboardGpu(int Index, string Name, long? UsedBytes, long TotalBytes, bool Virtual);

/// <summary>A node as membership sees it: alive, joining or dead.</summary>
public sealed record DashboardNode(string Name, string Address, string State, bool IsHead, IReadOnlyList<DashboardGpu> Gpus);

public sealed record DashboardRank(int Rank, string Node, int Gpu, string State, double LoadPercent);

/// <summary>A deployment: state and reason, seconds since its canary last passed (null: never), layout (TPxPP).</summary>
public sealed record DashboardDeployment(string Name, string State, string Reason, double? CanaryAgeSeconds, string Layout, IReadOnlyList<DashboardRank> Ranks);

/// <summary>What the control plane says about the cluster at one moment, in the dashboard's terms.</summary>
public sealed record ClusterSnapshot(string Cluster, IReadOnlyList<DashboardNode> Nodes, IReadOnlyList<DashboardDeployment> Deployments);
