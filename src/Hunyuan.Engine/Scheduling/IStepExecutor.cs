using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// Runs one step of a batch on the model, wherever its ranks are, and returns one sampled token per sequence, with its
/// logprobs when the sequence's sampling asks (logits never leave the last stage). Implementations: in this process,
/// or over the data plane to a deployment's ranks.
/// </summary>
public interface IStepExecutor
{
    Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken);

    Task ReleaseAsync(long sequenceId);

    /// <summary>Steps that may be in flight at once on disjoint batches (a pipeline's stages); 1 runs them one by one.</summary>
    int PipelineDepth => 1;

    /// <summary>
    /// Changes when the ranks' KV pools may have lost their contents (the ranks were replaced): the scheduler then
    /// forgets its cached blocks and recomputes its running sequences.
    /// </summary>
    long KvGeneration => 0;
}
