using Orleans.Concurrency;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// One GPU rank of a deployment (key "deployment|rank|node"), activated on that node's silo. It owns one model
/// partition on a dedicated worker thread, never on the Orleans scheduler.
/// </summary>
public interface IRankGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts loading (returns at once; progress through <see cref="GetStatusAsync"/>). A layout of the same spec and
    /// epoch keeps what is loaded and only takes the new node endpoints.
    /// </summary>
    Task LoadAsync(DeploymentLayout layout);

    Task<RankStatus> GetStatusAsync();

    /// <summary>Drops every sequence's cache (after a peer rank was lost and re-placed).</summary>
    Task ReleaseAllAsync();

    Task UnloadAsync();
}
