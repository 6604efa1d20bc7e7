using Hunyuan.Grains.Deployments;

namespace Hunyuan.Cluster.Status;

public sealed record GpuView(int Index, string Name, long MemoryTotalBytes, long? MemoryUsedBytes, int? UtilizationPercent, bool Virtual, long? MemoryFreeBytes = null);

public sealed record NodeView(string Name, string Address, string State, bool IsHead, GpuView[] Gpus, string? GpuProbeError, DateTimeOffset? LastReportAt, long? ProcessMemoryBytes, double? LoadAverage);

public sealed record RankJson(int Rank, string Node, int Gpu, string State, double LoadPercent, string Layers, string Experts, string? Error, long ResidentWeightBytes, long PlannedWeightBytes);

public sealed record DeploymentView(string Name, string Model, string Variant, int Tp, int Pp, string State, string Reason, string? Endpoint, DateTimeOffset? CanaryPassedAt, double? CanaryMs, string? CanaryError, string Plan, RankJson[] Ranks)
{
    public static DeploymentView From(DeploymentStatus s) => new(s.Name, s.Model, s.Variant, s.Tp, s.Pp, s.State.ToString().ToLowerInvariant(), s.Reason, s.Endpoint,
        s.CanaryPassedAt, s.CanaryMs, s.CanaryError, s.PlanText,
        s.Ranks.Select(r => new RankJson(r.Rank, r.Node, r.Gpu, r.State.ToString().ToLowerInvariant(), r.LoadPercent, r.Layers, r.Experts, r.Error, r.ResidentWeightBytes, r.PlannedWeightBytes)).ToArray());
}

/// <summary>One read of a cluster (`hyc status --json`): membership, each node's last report, each deployment's status.</summary>
public sealed record ClusterStatus(string Cluster, NodeView[] Nodes, DeploymentView[] Deployments);
