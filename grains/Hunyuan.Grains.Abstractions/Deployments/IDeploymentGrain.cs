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

    Task RemoveAsync();
}
