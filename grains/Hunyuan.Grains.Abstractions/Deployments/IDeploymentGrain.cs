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

    /// <summary>
    /// Greedy generation through the ranks over the head's own data-plane driver (the canary's path; tests and `bench
    /// cluster` use it). Refused while a serving endpoint holds the lease: its steps and these would not share one order.
    /// </summary>
    Task<long[]> GenerateAsync(long[] prompt, int maxTokens);

    /// <summary>
    /// <see cref="GenerateAsync"/>, and what its steps cost on the head's driver: `bench cluster` reads from it how much
    /// of a step is the ranks' own work and how much the data plane's.
    /// </summary>
    Task<TimedGeneration> GenerateTimedAsync(long[] prompt, int maxTokens);

    /// <summary>The deployment's layout (model, ranks, KV pool), for the serving engine; null before a successful deploy.</summary>
    Task<Ranks.DeploymentLayout?> GetLayoutAsync();

    /// <summary>
    /// The serving lease: one step driver per deployment, so every rank sees one step order. Granted when free, expired
    /// or held by <paramref name="holder"/> already, or with <paramref name="takeOver"/>; else refused with the holder.
    /// The grant carries the layout (ranks' data endpoints, epoch, data token) the driver connects with.
    /// </summary>
    Task<LeaseGrant> AcquireLeaseAsync(string holder, bool takeOver);

    /// <summary>
    /// Keeps the lease (call every few seconds; it lapses after <see cref="LeaseGrant.TtlSeconds"/>) and reports the
    /// holder's canary, if it ran one. False: the lease is no longer this holder's (taken over or lapsed).
    /// </summary>
    Task<bool> RenewLeaseAsync(long lease, CanaryReport? canary);

    Task ReleaseLeaseAsync(long lease);

    /// <summary>The serving endpoint announces (or, with null, withdraws) its URL, which status then shows.</summary>
    Task SetEndpointAsync(string? url);

    Task RemoveAsync();
}
