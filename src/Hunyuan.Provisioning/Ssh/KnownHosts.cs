using System.Security.Cryptography;

namespace Hunyuan.Provisioning.Ssh;

public enum HostKeyVerdict
{
    Trusted,
    Unknown,
    Changed,
}

/// <summary>
/// The cluster's known_hosts (OpenSSH format, "[host]:port type base64" per line): host keys are pinned on first
/// contact only when the user allows it, and a changed key is always refused. Written whole, mode 0600.
/// </summary>
public sealed class KnownHosts(string path)
{
    private readonly object _gate = new();

    public string Path { get; } = path;

    public static string Name(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>One known_hosts line as OpenSSH reads it.</summary>
    public static string Line(string host, int port, string keyType, byte[] keyBlob) => $"{Name(host, port)} {keyType} {Convert.ToBase64String(keyBlob)}";

    /// <summary>
    /// A known_hosts line for a key blob, its type read from the blob: SSH.NET names the negotiated signature
    /// algorithm (rsa-sha2-512), while OpenSSH's known_hosts wants the key type (ssh-rsa).
    /// </summary>
    public static string Line(string host, int port, byte[] keyBlob) => Line(host, port, KeyType(keyBlob), keyBlob);

    public static string KeyType(byte[] keyBlob)
    {
        if (keyBlob.Length < 4)
        {
            throw new FormatException("a host key blob shorter than its length field");
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(keyBlob);
        return length > 0 && length <= keyBlob.Length - 4
            ? System.Text.Encoding.ASCII.GetString(keyBlob, 4, length)
            : throw new FormatException("a host key blob whose type field overruns it");
    }

    public static string Fingerprint(byte[] keyBlob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    public HostKeyVerdict Verify(string host, int port, string keyType, byte[] keyBlob, out string? knownFingerprint)
    {
        knownFingerprint = null;
        var name = Name(host, port);
        foreach (var (h, type, blob) in Entries())
        {
            if (h != name)
            {
                continue;
            }

            if (type == keyType && blob.AsSpan().SequenceEqual(keyBlob))
            {
                return HostKeyVerdict.Trusted;
            }

            knownFingerprint = Fingerprint(blob);
            return HostKeyVerdict.Changed;
        }

        return HostKeyVerdict.Unknown;
    }

    public void Add(string host, int port, string keyType, byte[] keyBlob)
    {
        lock (_gate)
        {
            var lines = File.Exists(Path) ? File.ReadAllLines(Path).ToList() : [];
            var line = Line(host, port, keyType, keyBlob);
            if (lines.Contains(line))
            {
                return;
            }

            lines.Add(line);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            var tmp = Path + ".tmp";
            File.WriteAllLines(tmp, lines);
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(tmp, Path, overwrite: true);
        }
    }

    public IEnumerable<(string Host, string Type, byte[] Blob)> Entries()
    {
        if (!File.Exists(Path))
        {
            yield break;
        }

        foreach (var raw in File.ReadAllLines(Path))
        {
            var parts = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && !raw.StartsWith('#'))
            {
                yield return (parts[0], parts[1], Convert.FromBase64String(parts[2]));
            }
        }
    }
}
