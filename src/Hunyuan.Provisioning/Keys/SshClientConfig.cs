using System.Text;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Keys;

/// <summary>A host of the mesh as seen from the others: where its sshd listens and whom to log in as.</summary>
public sealed record MeshPeer(string Address, int Port, string? User);

/// <summary>
/// A block in ~/.ssh/config, between markers, that makes a plain `ssh ADDRESS` from one host of the cluster reach
/// another as the right user, on the right port, with the cluster key only, checking the host key strictly against the
/// cluster's own known_hosts: what the seed got by overwriting the default key, without touching the user's own keys.
/// ssh takes the first value it finds for each option, so the block goes first in the file, ahead of any `Host *` of
/// the user's (only other clusters' blocks may precede it); it ends with `Host *` so the user's lines after it keep
/// applying to every host, as they did at the top of the file. Whatever else the file holds is kept as it is; the
/// block is rewritten only when it differs or is not first, and removed by `down --purge`.
/// </summary>
public static class SshClientConfig
{
    private const string RelativePath = ".ssh/config";

    public static string Block(string cluster, IReadOnlyList<MeshPeer> peers)
    {
        var b = new StringBuilder().Append(Begin(cluster)).Append('\n');
        foreach (var p in peers)
        {
            b.Append("Host ").Append(Safe(p.Address, "address")).Append('\n')
                .Append("    HostName ").Append(p.Address).Append('\n')
                .Append("    Port ").Append(p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            if (p.User is not null)
            {
                b.Append("    User ").Append(Safe(p.User, "user")).Append('\n');
            }

            b.Append("    IdentityFile ~/").Append(ClusterMesh.KeyPath(cluster)).Append('\n')
                .Append("    IdentitiesOnly yes\n")
                .Append("    StrictHostKeyChecking yes\n")
                .Append("    UserKnownHostsFile ~/").Append(ClusterMesh.KnownHostsPath(cluster)).Append('\n');
        }

        return b.Append("Host *\n").Append(End(cluster)).Append('\n').ToString();
    }

    /// <summary>True when the file changed.</summary>
    public static async Task<bool> EnsureAsync(IHostShell shell, string cluster, IReadOnlyList<MeshPeer> peers, CancellationToken cancellationToken = default)
    {
        var (current, isLink) = await ReadAsync(shell, cancellationToken);
        var block = Block(cluster, peers);
        if (isLink || IsInPlace(current, cluster, block))
        {
            // A symlinked config belongs to the user's dotfile setup: left alone (the key still works with -i).
            return false;
        }

        await shell.WriteFileAsync(RelativePath, Encoding.UTF8.GetBytes(WithBlockFirst(current, cluster, block)), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
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

        var rest = Without(current, cluster).Trim('\n');
        await shell.WriteFileAsync(RelativePath, Encoding.UTF8.GetBytes(rest.Length > 0 ? rest + "\n" : ""), UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        return true;
    }

    /// <summary>The file with this cluster's block first (replacing any older copy of it) and the rest as it was.</summary>
    public static string WithBlockFirst(string text, string cluster, string block)
    {
        var rest = Without(text, cluster).Trim('\n');
        return rest.Length > 0 ? block + "\n" + rest + "\n" : block;
    }

    /// <summary>Whether <paramref name="block"/> is in the file ahead of every line that is not another cluster's block.</summary>
    public static bool IsInPlace(string text, string cluster, string block)
    {
        var lines = text.Split('\n');
        var at = 0;
        var ours = Begin(cluster);
        while (at < lines.Length)
        {
            if (lines[at].Length == 0)
            {
                at++;
                continue;
            }

            if (!lines[at].StartsWith(BeginPrefix, StringComparison.Ordinal))
            {
                return false;
            }

            var end = Array.FindIndex(lines, at, l => l.StartsWith(EndPrefix, StringComparison.Ordinal));
            if (end < 0)
            {
                return false;
            }

            if (lines[at] == ours)
            {
                return string.Join('\n', lines[at..(end + 1)]) + "\n" == block;
            }

            at = end + 1;
        }

        return false;
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

    private const string BeginPrefix = "# >>> hyc cluster ";

    private const string EndPrefix = "# <<< hyc cluster ";

    private static string Begin(string cluster) => $"{BeginPrefix}{cluster} (written by `hyc up`; `hyc down --purge` removes it)";

    private static string End(string cluster) => $"{EndPrefix}{cluster}";

    /// <summary>
    /// A value as ssh_config reads it: one word. Whitespace, a quote or '#' would split it or start a comment, and a
    /// newline would add options of its own to every host's config (the host list is parsed strictly too).
    /// </summary>
    private static string Safe(string value, string what) =>
        value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '#' or '\\' or '=')
            ? value
            : throw new ArgumentException($"the {what} '{value.ReplaceLineEndings("\\n")}' cannot go into ~/.ssh/config (whitespace, quotes, '#', '=' or control characters)");

    private static async Task<(string Text, bool IsLink)> ReadAsync(IHostShell shell, CancellationToken cancellationToken)
    {
        var r = await shell.RunAsync($"if [ -L \"$HOME/{RelativePath}\" ]; then echo link; else echo file; cat \"$HOME/{RelativePath}\" 2>/dev/null; fi; true", cancellationToken);
        var text = r.Stdout;
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var kind = newline < 0 ? text : text[..newline];
        return (newline < 0 ? "" : text[(newline + 1)..], kind == "link");
    }
}
