using System.Text;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Keys;

/// <summary>A host of the mesh as seen from the others: where its sshd listens and whom to log in as.</summary>
public sealed record MeshPeer(string Address, int Port, string? User);

/// <summary>
/// A block in ~/.ssh/config, between markers, that makes a plain `ssh ADDRESS` from one host of the cluster reach
/// another as the right user, on the right port, with the cluster key: what the seed got by overwriting the default
/// key, without touching the user's own keys. Whatever else the file holds is kept as it is; the block is rewritten
/// only when it differs, and removed by `down --purge`.
/// </summary>
public static class SshClientConfig
{
    private const string RelativePath = ".ssh/config";

    public static string Block(string cluster, IReadOnlyList<MeshPeer> peers)
    {
        var b = new StringBuilder().Append(Begin(cluster)).Append('\n');
        foreach (var p in peers)
        {
            b.Append("Host ").Append(p.Address).Append('\n')
                .Append("    HostName ").Append(p.Address).Append('\n')
                .Append("    Port ").Append(p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            if (p.User is not null)
            {
                b.Append("    User ").Append(p.User).Append('\n');
            }

            b.Append("    IdentityFile ~/").Append(ClusterMesh.KeyPath(cluster)).Append('\n');
        }

        return b.Append(End(cluster)).Append('\n').ToString();
    }

    /// <summary>True when the file changed.</summary>
    public static async Task<bool> EnsureAsync(IHostShell shell, string cluster, IReadOnlyList<MeshPeer> peers, CancellationToken cancellationToken = default)
    {
        var (current, isLink) = await ReadAsync(shell, cancellationToken);
        var block = Block(cluster, peers);
        if (current.Contains(block, StringComparison.Ordinal) || isLink)
        {
            // A symlinked config belongs to the user's dotfile setup: left alone (the key still works with -i).
            return false;
        }

        var rest = Without(current, cluster).TrimEnd('\n');
        var updated = (rest.Length > 0 ? rest + "\n\n" : "") + block;
        await shell.WriteFileAsync(RelativePath, Encoding.UTF8.GetBytes(updated), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        return true;
    }

    /// <summary>True when a block was there and is gone.</summary>
    public static async Task<bool> RemoveAsync(IHostShell shell, string cluster, CancellationToken cancellationToken = default)
    {
        var (current, isLink) = await ReadAsync(shell, cancellationToken);
        if (isLink || !current.Contains(Begin(cluster), StringComparison.Ordinal))
        {
            return false;
        }

        var rest = Without(current, cluster).TrimEnd('\n');
        await shell.WriteFileAsync(RelativePath, Encoding.UTF8.GetBytes(rest.Length > 0 ? rest + "\n" : ""), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        return true;
    }

    /// <summary>The text without this cluster's block (markers included).</summary>
    public static string Without(string text, string cluster)
    {
        var lines = text.Split('\n').ToList();
        var start = lines.IndexOf(Begin(cluster));
        var end = lines.IndexOf(End(cluster));
        if (start < 0 || end < start)
        {
            return text;
        }

        lines.RemoveRange(start, end - start + 1);
        return string.Join('\n', lines);
    }

    private static string Begin(string cluster) => $"# >>> hyc cluster {cluster} (written by `hyc up`; `hyc down --purge` removes it)";

    private static string End(string cluster) => $"# <<< hyc cluster {cluster}";

    private static async Task<(string Text, bool IsLink)> ReadAsync(IHostShell shell, CancellationToken cancellationToken)
    {
        var r = await shell.RunAsync($"if [ -L \"$HOME/{RelativePath}\" ]; then echo link; else echo file; cat \"$HOME/{RelativePath}\" 2>/dev/null; fi; true", cancellationToken);
        var text = r.Stdout;
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var kind = newline < 0 ? text : text[..newline];
        return (newline < 0 ? "" : text[(newline + 1)..], kind == "link");
    }
}
