using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Ssh;

namespace Hunyuan.Provisioning.Clusters;

/// <summary>SSH.NET connections with the list's credentials, host keys checked against the cluster's known_hosts.</summary>
public sealed class SshHostConnector(HostInventory inventory, KnownHosts knownHosts, bool acceptNewHostKeys, TimeSpan timeout) : IHostConnector
{
    public async Task<HostConnection> ConnectAsync(HostEntry host, CancellationToken cancellationToken)
    {
        var target = new SshTarget(host.Address, host.Port, host.User, host.IdentityFile, inventory.Ssh.PasswordEnv, acceptNewHostKeys);
        var shell = await Task.Run(() => SshHostShell.Connect(target, knownHosts, timeout), cancellationToken);
        return new HostConnection(shell, shell.HostKeyBlob, shell.HostKeyFingerprint);
    }

    /// <summary>Whether a connect failure is about the host (named in the report) rather than a bug.</summary>
    public static bool IsConnectFailure(Exception e) =>
        e is HostKeyException or ArgumentException or IOException or System.Net.Sockets.SocketException or Renci.SshNet.Common.SshException or TimeoutException;
}
