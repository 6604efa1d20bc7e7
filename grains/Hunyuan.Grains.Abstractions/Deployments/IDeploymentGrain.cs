namespace Hunyuan.Grains.Deployments;

/// <summary>
/// One deployment (keyed by name), on the head node: desired state, the plan against the live inventory, rank
/// placement, aggregated state, and health (ready only after a canary generation passes).
/// </summary>
public interface IDeploymentGrain : IGrainWithStringKey
{
    /// <summary>Plans and starts loading; returns at once with the plan, or the reason it cannot be placed.</summary>
    Task<DeploymentStatus> DeployAsync(DeploymentSpec spec);

    Task<DeploymentStatus?> GetStatusAsync();

    /// <summary>Greedy generation through the ranks (the canary uses it; so do tests).</summary>
    Task<long[]> GenerateAsync(long[] prompt, int maxTokens);

    /// <summary>The deployment's layout (model, ranks, KV pool), for the serving engine; null before a successful deploy.</summary>
    Task<Ranks.DeploymentLayout?> GetLayoutAsync();

    /// <summary>
    /// One engine step through the ranks, serialized with every other step of this deployment (the canary's too), so
    /// all ranks see steps in one order. Returns one token per sequence.
    /// </summary>
    Task<long[]> StepAsync(IReadOnlyList<Ranks.SequenceWork> batch);

    /// <summary>The serving endpoint announces (or, with null, withdraws) its URL, which status then shows.</summary>
    Task SetEndpointAsync(string? url);

    /// <summary>Frees a sequence's caches on every rank.</summary>
    Task ReleaseSequenceAsync(long sequenceId);

    Task RemoveAsync();
}
