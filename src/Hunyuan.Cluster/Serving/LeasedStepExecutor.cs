using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Cluster.Serving;

/// <summary>
/// The scheduler's executor for a cluster deployment: the current data-plane driver, replaced when the deployment heals.
/// Without a working driver a step fails at once (its requests end with the reason), never waits for a timeout.
/// </summary>
internal sealed class LeasedStepExecutor(int pipelineDepth) : IStepExecutor
{
    private volatile DataPlaneDriver? _driver;
    private volatile string _unavailable = "the data plane is not connected yet";
    private long _kvGeneration;

    public int PipelineDepth { get; } = Math.Max(1, pipelineDepth);

    public DataPlaneDriver? Driver => _driver;

    /// <summary>Every new driver may reach ranks reloaded since the last: their KV pools hold nothing the scheduler cached.</summary>
    public long KvGeneration => Interlocked.Read(ref _kvGeneration);

    public void Use(DataPlaneDriver? driver, string? unavailable = null)
    {
        if (driver is not null)
        {
            Interlocked.Increment(ref _kvGeneration);
        }

        _driver = driver;
        if (unavailable is not null)
        {
            _unavailable = unavailable;
        }
    }

    public Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken) =>
        _driver is { } d ? d.StepAsync(batch, cancellationToken) : Task.FromException<SampledToken[]>(new DataPlaneException(_unavailable));

    public Task ReleaseAsync(long sequenceId) => _driver?.ReleaseAsync(sequenceId) ?? Task.CompletedTask;
}
