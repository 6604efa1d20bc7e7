using System.Text;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Keys;

/// <summary>What installing the mesh on one host changed; all false on a second run.</summary>
public sealed record MeshChanges(bool KeyWritten, bool AuthorizedKeyAdded, int KnownHostsAdded)
{
    public bool Any => KeyWritten || AuthorizedKeyAdded || KnownHostsAdded > 0;
}

/// <summary>
/// The passwordless mesh on one host: the cluster's private key in ~/.ssh (0600, by file transfer, never on a command
/// line), its public key in authorized_keys exactly once, and the host keys actually observed for every host in the
/// cluster's own known_hosts (which the ssh config block names), so every host reaches every other without a password or a prompt. Check-then-converge: a second run
/// changes nothing.
/// </summary>
public static class ClusterMesh
{
    public static string KeyPath(string cluster) => $".ssh/hyc_{cluster}_ed25519";

    /// <summary>The cluster's own known_hosts (the ssh config block's UserKnownHostsFile): only its hosts' observed keys.</summary>
    public static string KnownHostsPath(string cluster) => $".ssh/hyc_{cluster}_known_hosts";

    public static async Task<MeshChanges> InstallAsync(IHostShell shell, string cluster, ClusterKey key, IReadOnlyList<string> knownHostsLines, CancellationToken cancellationToken = default)
    {
        await Must(shell, $"mkdir -p \"$HOME/.ssh\" && chmod 700 \"$HOME/.ssh\" && touch \"$HOME/.ssh/authorized_keys\" \"$HOME/{KnownHostsPath(cluster)}\" && chmod 600 \"$HOME/.ssh/authorized_keys\"", cancellationToken);

        var path = KeyPath(cluster);
        // Rewritten unless both halves are there and the public half is this key's (a lone .pub is not enough).
        var present = await shell.RunAsync($"[ -s \"$HOME/{path}\" ] && cat \"$HOME/{path}.pub\" 2>/dev/null", cancellationToken);
        var keyWritten = present.Stdout.Trim() != key.AuthorizedKeysLine;
        if (keyWritten)
        {
            await shell.WriteFileAsync(path, Encoding.ASCII.GetBytes(key.ToOpenSsh()), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
            await shell.WriteFileAsync(path + ".pub", Encoding.ASCII.GetBytes(key.AuthorizedKeysLine + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, cancellationToken);
        }

        var authorized = await AppendOnceAsync(shell, ".ssh/authorized_keys", key.AuthorizedKeysLine, cancellationToken);
        var known = 0;
        foreach (var line in knownHostsLines)
        {
            known += await AppendOnceAsync(shell, KnownHostsPath(cluster), line, cancellationToken) ? 1 : 0;
        }

        return new MeshChanges(keyWritten, authorized, known);
    }

    // Public material only (a public key, a host key line): safe on a command line.
    private static async Task<bool> AppendOnceAsync(IHostShell shell, string relativePath, string line, CancellationToken cancellationToken)
    {
        var r = await shell.RunAsync(LineFileScripts.AppendOnce(relativePath, line), cancellationToken);
        if (!r.Ok)
        {
            throw new InvalidOperationException($"{shell.Host}: updating ~/{relativePath} failed: {r.Stderr.Trim()}");
        }

        return r.Stdout.Trim() == "added";
    }

    private static async Task Must(IHostShell shell, string command, CancellationToken cancellationToken)
    {
        var r = await shell.RunAsync(command, cancellationToken);
        if (!r.Ok)
        {
            throw new InvalidOperationException($"{shell.Host}: {command}: {r.Stderr.Trim()}");
        }
    }
}
