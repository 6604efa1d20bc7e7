namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// `hyc serve MODEL_DIR`: no cluster, so what exists is this host (always alive while it answers) and the model it
/// serves in this process, ready as the backend says.
/// </summary>
public sealed class InProcessSnapshotSource(IServingBackend backend, string modelName) : IClusterSnapshotSource
{
    public Task<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var (ready, reason) = backend.Readiness();
        var host = Environment.MachineName;
        return Task.FromResult(new ClusterSnapshot("in-process",
            [new DashboardNode(host, "this process", "alive", true, [])],
            [new DashboardDeployment(modelName, ready ? "ready" : "loading", reason, null, "in this process", [])]));
    }
}
