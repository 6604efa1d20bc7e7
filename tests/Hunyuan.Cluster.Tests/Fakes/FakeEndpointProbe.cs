using Hunyuan.Cluster.Services;

namespace Hunyuan.Cluster.Tests.Fakes;

public sealed class FakeEndpointProbe(bool ready = true) : IEndpointProbe
{
    public List<Uri> Probed { get; } = [];

    /// <summary>The key each probe was made with.</summary>
    public List<string?> Keys { get; } = [];

    public Task<bool> WaitReadyAsync(Uri root, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Probed.Add(root);
        Keys.Add(apiKey);
        return Task.FromResult(ready);
    }
}
