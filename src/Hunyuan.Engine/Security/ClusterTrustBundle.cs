using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Engine.Security;

/// <summary>
/// The cluster CAs a process trusts: ca.pem holds one CA certificate, or two while `up --rotate-certs` rolls the cluster
/// from the old CA to a new one (newest first). A bundle loaded from a file reads it again when its modification time
/// or size changes, so a pushed bundle takes effect in a running agent without a restart: that is what lets agents
/// restart one at a time during a rotation and still drops the old CA everywhere at its end. A file that cannot be read
/// at that moment (being replaced) leaves the last good set in force; writers replace it whole (temp file, rename).
/// </summary>
public sealed class ClusterTrustBundle
{
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);
    private readonly string? _file;
    private readonly Lock _gate = new();
    private Snapshot _current;

    private ClusterTrustBundle(string? file, Snapshot current)
    {
        _file = file;
        _current = current;
    }

    /// <summary>The file this bundle follows; null for a fixed set.</summary>
    public string? File => _file;

    /// <summary>The CAs trusted now, newest first.</summary>
    public IReadOnlyList<X509Certificate2> Authorities => Current().Authorities;

    /// <summary>A fixed set (not backed by a file).</summary>
    public static ClusterTrustBundle Of(params X509Certificate2[] authorities) =>
        authorities.Length == 0 ? throw new ArgumentException("a trust bundle needs at least one CA certificate") : new(null, new Snapshot(authorities, default, -1, [], true));

    /// <summary>Reads <paramref name="file"/>; throws <see cref="ClusterTlsException"/> when it is missing, unreadable or holds no CA certificate.</summary>
    public static ClusterTrustBundle Load(string file)
    {
        var snapshot = Read(file) ?? throw new ClusterTlsException($"cannot read the cluster CA certificate {file}: it is missing or holds no certificate");
        return new ClusterTrustBundle(file, snapshot);
    }

    /// <summary>The CA certificates in <paramref name="pem"/> (one or more CERTIFICATE blocks), in their order.</summary>
    public static X509Certificate2[] Parse(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return [.. collection];
    }

    /// <summary>Whether <paramref name="certificate"/> is byte for byte one of the trusted CAs.</summary>
    public bool Contains(X509Certificate2 certificate) => Authorities.Any(a => a.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span));

    private Snapshot Current()
    {
        if (_file is null)
        {
            return _current;
        }

        lock (_gate)
        {
            try
            {
                var info = new FileInfo(_file);
                if (!info.Exists || (_current.Settled && info.LastWriteTimeUtc == _current.WrittenAt && info.Length == _current.Length))
                {
                    return _current;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return _current;
            }

            // Certificates of a replaced set are not disposed: a handshake may be using them right now.
            var read = Read(_file);
            if (read is null)
            {
                return _current;
            }

            return _current = read.Raw.AsSpan().SequenceEqual(_current.Raw) ? _current with { WrittenAt = read.WrittenAt, Length = read.Length, Settled = read.Settled } : read;
        }
    }

    private static Snapshot? Read(string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                return null;
            }

            var writtenAt = info.LastWriteTimeUtc;
            var length = info.Length;
            var raw = System.IO.File.ReadAllBytes(file);
            var authorities = Parse(System.Text.Encoding.ASCII.GetString(raw));

            // File times are coarse (a kernel tick): a file written within the last moments may be written again with the
            // same time and size, so until its time is safely past, the bytes are compared on every look.
            var settled = DateTime.UtcNow - writtenAt > SettleTime;
            return authorities.Length == 0 ? null : new Snapshot(authorities, writtenAt, length, raw, settled);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record Snapshot(X509Certificate2[] Authorities, DateTime WrittenAt, long Length, byte[] Raw, bool Settled);
}
