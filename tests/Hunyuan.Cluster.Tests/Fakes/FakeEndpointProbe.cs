using Hunyuan.Cluster.Services;

namespace Hunyuan.Cluster.Tests.Fakes;

public sealed class FakeEndpointProbe(bool ready = true) : IEndpointProbe
{
    public List<Uri> Probed { get; } = [];

    /// <summary>The key each probe was made with.</summary>
    public List<string?> Keys { get; } = [];

    /// <summary>The CA each probe was told to trust (https).</summary>
    public List<string?> Authorities { get; } = [];

    public Task<bool> WaitReadyAsync(Uri root, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken, string? authority = null)
    {
        Probed.Add(root);
        Keys.Add(apiKey);
        Authorities.Add(authority);
        return Task.FromResult(ready);
    }
}
