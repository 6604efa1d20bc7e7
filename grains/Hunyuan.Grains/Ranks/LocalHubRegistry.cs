using System.Collections.Concurrent;
using Hunyuan.Engine.Collectives;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Per silo: the in-process collective hubs of tensor-parallel groups whose members all live on this node (the fast
/// path), shared by the member rank grains through a key of deployment, generation and stage.
/// </summary>
public sealed class LocalHubRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, InProcessCollectiveHub> _hubs = new(StringComparer.Ordinal);

    public InProcessCollectiveHub GetOrCreate(string key, int size, TimeSpan timeout) =>
        _hubs.GetOrAdd(key, _ => new InProcessCollectiveHub(size, timeout));

    public void Remove(string keyPrefix)
    {
        foreach (var key in _hubs.Keys.Where(k => k.StartsWith(keyPrefix, StringComparison.Ordinal)).ToArray())
        {
            if (_hubs.TryRemove(key, out var hub))
            {
                hub.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var hub in _hubs.Values)
        {
            hub.Dispose();
        }

        _hubs.Clear();
    }
}
