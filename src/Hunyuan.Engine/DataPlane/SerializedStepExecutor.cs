using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// An executor that hides its inner executor's pipeline depth, so the scheduler sends one step at a time: the
/// serialized baseline that `hyc bench pipeline` measures pipelining against.
/// </summary>
public sealed class SerializedStepExecutor(IStepExecutor inner) : IStepExecutor
{
    public int PipelineDepth => 1;

    public Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken) => inner.StepAsync(batch, cancellationToken);

    public Task ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
}
