namespace Hunyuan.Engine.Partitioning;

/// <summary>What the user asked for; unset sizes are chosen by the planner (TP inside a node, PP across nodes).</summary>
public sealed record LayoutRequest(int? Tp = null, int? Pp = null, ExpertPlacement Experts = ExpertPlacement.ExpertParallel);
