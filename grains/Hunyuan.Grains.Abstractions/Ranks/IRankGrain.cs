using Orleans.Concurrency;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// One GPU rank of a deployment (key "deployment|rank|node"), activated on that node's silo. It owns one model
/// partition on a dedicated worker thread, never on the Orleans scheduler.
/// </summary>
public interface IRankGrain : IGrainWithStringKey
{
    /// <summary>Starts loading (returns at once; progress through <see cref="GetStatusAsync"/>). Idempotent per layout generation.</summary>
    Task LoadAsync(DeploymentLayout layout);

    Task<RankStatus> GetStatusAsync();

    Task<RankStepResult> StepAsync(long stepId, IReadOnlyList<SequenceWork> batch, bool returnAllPositions);

    /// <summary>Mailbox delivery from peer ranks; interleaves with a running step, which may be waiting for it.</summary>
    [AlwaysInterleave]
    Task DeliverAsync(TensorChunk chunk);

    Task ReleaseAsync(long sequenceId);

    /// <summary>Drops every sequence's cache (after a peer rank was lost and re-placed).</summary>
    Task ReleaseAllAsync();

    Task UnloadAsync();
}
