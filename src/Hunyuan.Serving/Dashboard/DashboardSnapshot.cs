namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// One SSE event of the dashboard. The cluster part is the last successful control-plane read, with its age, and the
/// error of the latest read when it failed (the page then says the view is stale rather than showing it as current).
/// </summary>
public sealed record DashboardSnapshot(DateTimeOffset At, string Model, LiveStats Live, ClusterSnapshot? Cluster, double? ClusterAgeSeconds, string? ClusterError);
