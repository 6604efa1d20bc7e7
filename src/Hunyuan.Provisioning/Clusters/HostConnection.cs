using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Clusters;

/// <summary>A verified connection to one host: its shell and the host key that was checked (null for a local shell).</summary>
public sealed record HostConnection(IHostShell Shell, byte[]? HostKeyBlob, string? HostKeyFingerprint) : IDisposable
{
    public void Dispose() => (Shell as IDisposable)?.Dispose();
}

/// <summary>Opens verified connections; SSH for real hosts, local shells in tests.</summary>
public interface IHostConnector
{
    Task<HostConnection> ConnectAsync(HostEntry host, CancellationToken cancellationToken);
}
