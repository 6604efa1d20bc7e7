using System.Security.Cryptography;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tls;

/// <summary>
/// Puts a host's TLS files in the cluster's TLS directory on it, over the shell's file transfer (SFTP: created 0600 before
/// any byte is written, then renamed into place), never on a command line. Files that already hold the same bytes are
/// left alone, so a second `up` changes nothing.
/// </summary>
public static class TlsMaterialInstaller
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes what differs; returns the names of the files written.</summary>
    public static async Task<IReadOnlyList<string>> EnsureAsync(IHostShell shell, string cluster, HostTlsFiles files, CancellationToken cancellationToken)
    {
        var directory = HostTlsFiles.RelativeDirectory(cluster);
        var names = files.Files.Select(f => f.Name).ToList();
        var current = await shell.RunAsync($"cd \"$HOME/{directory}\" 2>/dev/null && sha256sum {ShellQuote.Join(names)} 2>/dev/null", cancellationToken);
        var hashes = current.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[1].TrimStart('*').Trim(), p => p[0], StringComparer.Ordinal);
        var written = new List<string>();
        foreach (var (name, content) in files.Files)
        {
            if (hashes.TryGetValue(name, out var hash) && string.Equals(hash, Convert.ToHexString(SHA256.HashData(content)), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            await shell.WriteFileAsync($"{directory}/{name}", content, Private, cancellationToken);
            written.Add(name);
        }

        // Files of earlier versions or of a node this host no longer is stay out of the way but are not trusted anyway:
        // only the CA's signature counts. Tightening the directory keeps the listing private too.
        await shell.RunAsync($"chmod 700 \"$HOME/{directory}\"", cancellationToken);
        return written;
    }
}
