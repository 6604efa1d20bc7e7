using Hunyuan.Engine.Scheduling;
using Hunyuan.Grains.Ranks;

namespace Hunyuan.Grains.Deployments;

/// <summary>
/// The serving engine's steps through a deployment: each step goes to the DeploymentGrain, which drives the rank grains
/// in the one order all of them see (its canary shares that order). One sampled token per sequence comes back.
/// </summary>
public sealed class ClusterStepExecutor(IGrainFactory grains, string deployment) : IStepExecutor
{
    public Task<long[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken) =>
        grains.GetGrain<IDeploymentGrain>(deployment).StepAsync(batch
            .Select(b => new SequenceWork(b.SequenceId, b.StartPosition, b.TokenIds, b.Sampling.ToSpec(), b.PromptLength, b.BlockTable))
            .ToArray());

    public Task ReleaseAsync(long sequenceId) => grains.GetGrain<IDeploymentGrain>(deployment).ReleaseSequenceAsync(sequenceId);
}
