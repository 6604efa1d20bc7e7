using Hunyuan.Cluster.Runtimes;

namespace Hunyuan.Cluster.Tests.Fakes;

/// <summary>Ports as the test declares them: busy ones taken by "someone else", and whether anything listens.</summary>
public sealed class FakePortProbe : IPortProbe
{
    public HashSet<int> Busy { get; } = [];

    public bool Listening { get; set; } = true;

    public bool IsFree(int port) => !Busy.Contains(port);

    public Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken) => Task.FromResult(Listening);
}
