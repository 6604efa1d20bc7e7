using Hunyuan.Cluster.Services;

namespace Hunyuan.Cluster.Tests.Fakes;

public sealed class FakeEndpointProbe(bool ready = true) : IEndpointProbe
{
    public List<Uri> Probed { get; } = [];

    public Task<bool> WaitReadyAsync(Uri root, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Probed.Add(root);
        return Task.FromResult(ready);
    }
}
