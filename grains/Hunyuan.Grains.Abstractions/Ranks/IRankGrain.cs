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

    /// <summary>
    /// The NCCL unique id this rank made for generation <paramref name="generation"/> of its outbound NCCL stage link,
    /// asked by the next stage's rank after a notice named that generation (waits a bounded time for it to be made).
    /// Null when this rank is not at <paramref name="epoch"/>, has no NCCL stage link, or made no such id in time.
    /// Control data only: tensors never travel through grains.
    /// </summary>
    [AlwaysInterleave]
    Task<byte[]?> GetStageLinkIdAsync(string epoch, int generation);
}
