using Hunyuan.Cluster.Services;

namespace Hunyuan.Cluster.Tests.Fakes;

/// <summary>Keeps every progress event, synchronously, so a test can read what the service reported.</summary>
public sealed class RecordingProgress : IProgress<ClusterEvent>
{
    private readonly List<ClusterEvent> _events = [];

    public IReadOnlyList<ClusterEvent> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    public string Text => string.Join("\n", Events.Select(e => e.Message));

    public void Report(ClusterEvent value)
    {
        lock (_events)
        {
            _events.Add(value);
        }
    }
}
