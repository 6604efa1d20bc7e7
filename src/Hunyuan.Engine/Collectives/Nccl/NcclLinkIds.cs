using System.Collections.Concurrent;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// The unique ids a sending rank made for its NCCL stage link, by link generation (a new communicator, so a new id,
/// after every failure). The receiving rank asks for the generation a notice names; the id may be published a moment
/// after the notice went out, so a lookup waits for it, within a bound. Holds only control data, never tensors.
/// </summary>
public sealed class NcclLinkIds
{
    // A few generations back are enough: a receiver only ever asks for the newest notice's generation.
    private const int Kept = 4;

    private readonly ConcurrentDictionary<int, TaskCompletionSource<NcclUniqueId>> _ids = new();

    public void Publish(int generation, NcclUniqueId id)
    {
        Slot(generation).TrySetResult(id);
        foreach (var old in _ids.Keys.Where(g => g <= generation - Kept))
        {
            _ids.TryRemove(old, out _);
        }
    }

    /// <summary>The id of <paramref name="generation"/>, or null if none is published within <paramref name="wait"/>.</summary>
    public async Task<NcclUniqueId?> WaitAsync(int generation, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Slot(generation).Task.WaitAsync(wait, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private TaskCompletionSource<NcclUniqueId> Slot(int generation) =>
        _ids.GetOrAdd(generation, _ => new TaskCompletionSource<NcclUniqueId>(TaskCreationOptions.RunContinuationsAsynchronously));
}
