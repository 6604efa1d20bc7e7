using System.Collections.Concurrent;
using Hunyuan.Engine.Collectives;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Per silo: the collective groups of tensor-parallel groups whose members all live on this node (the fast path),
/// shared by the member rank grains through a key of deployment, generation and stage. The node's backend (in-process
/// hub, or NCCL for GPU ranks: <see cref="CollectiveBackends.ForNode"/>) is chosen once, where the silo is built.
/// </summary>
public sealed class LocalHubRegistry(ICollectiveBackend backend) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ICollectiveGroup>> _hubs = new(StringComparer.Ordinal);

    /// <summary>In-process hubs: what CPU ranks use (and what a silo gets when no backend is registered).</summary>
    public LocalHubRegistry()
        : this(CollectiveBackends.InProcess)
    {
    }

    public string BackendName => backend.Name;

    /// <summary>The group for <paramref name="key"/>, made on first use with member i on GPU <paramref name="gpus"/>[i].</summary>
    public ICollectiveGroup GetOrCreate(string key, IReadOnlyList<int> gpus, TimeSpan timeout) =>
        _hubs.GetOrAdd(key, _ => new Lazy<ICollectiveGroup>(() => backend.CreateGroup(gpus, timeout))).Value;

    public void Remove(string keyPrefix)
    {
        foreach (var key in _hubs.Keys.Where(k => k.StartsWith(keyPrefix, StringComparison.Ordinal)).ToArray())
        {
            if (_hubs.TryRemove(key, out var hub) && hub.IsValueCreated)
            {
                hub.Value.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var hub in _hubs.Values.Where(h => h.IsValueCreated))
        {
            hub.Value.Dispose();
        }

        _hubs.Clear();
    }
}
