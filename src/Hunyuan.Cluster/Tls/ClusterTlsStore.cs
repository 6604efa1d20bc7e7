using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hunyuan.Cluster.State;
using Hunyuan.Engine.Security;
using Hunyuan.Provisioning.Tls;

namespace Hunyuan.Cluster.Tls;

/// <summary>
/// A cluster's TLS material on the operator's machine (~/.hyc/clusters/NAME/tls, 0700): the cluster CA (ca.pem, ca.key),
/// the operator's client certificate (client.pem, client.key) and each node's (node-NODE.pem, node-NODE.key). What is
/// there and still good is kept, so a second `up` issues nothing; a certificate that is missing, unreadable, not from
/// the CA, near its end or without an address it now needs is issued again. Every file is written whole (temp file,
/// rename) and 0600. Safe to call from the hosts' parallel steps.
/// </summary>
public sealed class ClusterTlsStore : IDisposable
{
    /// <summary>A certificate this close to its end is issued again.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private readonly string _clusterName;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<string> _changes = [];
    private ClusterCertificateAuthority? _authority;

    public ClusterTlsStore(string directory, string clusterName, TimeProvider? time = null)
    {
        Files = new ClusterTlsFiles(directory);
        _clusterName = clusterName;
        _time = time ?? TimeProvider.System;
    }

    public ClusterTlsFiles Files { get; }

    /// <summary>What this store created or replaced so far, for the caller's report.</summary>
    public IReadOnlyList<string> Changes
    {
        get
        {
            lock (_gate)
            {
                return [.. _changes];
            }
        }
    }

    /// <summary>Replaces the CA with a new one: every certificate of the old one is issued again when next ensured.</summary>
    public void RotateAuthority()
    {
        lock (_gate)
        {
            _authority?.Dispose();
            _authority = CreateAuthority("created a new cluster CA (rotation)");
        }
    }

    /// <summary>The operator's client certificate (client.pem, client.key); true when it was issued now.</summary>
    public bool EnsureClient() => Ensure(ClusterTlsFiles.ClientIdentity, [], ca => ca.IssueClient($"hyc operator of cluster {_clusterName}"));

    /// <summary>A node's certificate with each of <paramref name="addresses"/> in its SAN; true when it was issued now.</summary>
    public bool EnsureNode(string node, IReadOnlyList<string> addresses) =>
        Ensure(ClusterTlsFiles.NodeIdentity(node), addresses, ca => ca.IssueNode(node, addresses));

    /// <summary>What a host needs (the CA certificate, its node certificate and key), read back from the files <see cref="EnsureNode"/> wrote.</summary>
    public HostTlsFiles HostFiles(string node)
    {
        var identity = ClusterTlsFiles.NodeIdentity(node);
        return new HostTlsFiles(File.ReadAllText(Files.AuthorityCertificate), identity, File.ReadAllText(Files.Certificate(identity)), File.ReadAllText(Files.Key(identity)));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _authority?.Dispose();
            _authority = null;
        }
    }

    private bool Ensure(string identity, IReadOnlyList<string> addresses, Func<ClusterCertificateAuthority, IssuedCertificate> issue)
    {
        lock (_gate)
        {
            var ca = Authority();
            if (Usable(ca, identity, addresses))
            {
                return false;
            }

            var issued = issue(ca);

            // Key first: a certificate beside a key that is not its own fails to load and is issued again.
            PrivateFile.Write(Files.Key(identity), issued.KeyPem);
            PrivateFile.Write(Files.Certificate(identity), issued.CertificatePem);
            _changes.Add($"issued the {identity} certificate");
            return true;
        }
    }

    private ClusterCertificateAuthority Authority()
    {
        if (_authority is not null)
        {
            return _authority;
        }

        if (!File.Exists(Files.AuthorityCertificate) || !File.Exists(Files.AuthorityKey))
        {
            return _authority = CreateAuthority("created the cluster CA");
        }

        try
        {
            return _authority = ClusterCertificateAuthority.FromPem(File.ReadAllText(Files.AuthorityCertificate), File.ReadAllText(Files.AuthorityKey), _time);
        }
        catch (CryptographicException e)
        {
            // Half of a rotation (a crash between the two files), or a damaged file: a new CA, and with it new certificates everywhere.
            return _authority = CreateAuthority($"created a new cluster CA (the old one in {Files.Directory} could not be read: {e.Message})");
        }
    }

    private ClusterCertificateAuthority CreateAuthority(string change)
    {
        Directory.CreateDirectory(Files.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var ca = ClusterCertificateAuthority.Create(_clusterName, _time);
        PrivateFile.Write(Files.AuthorityKey, ca.KeyPem());
        PrivateFile.Write(Files.AuthorityCertificate, ca.CertificatePem);
        _changes.Add(change);
        return ca;
    }

    private bool Usable(ClusterCertificateAuthority ca, string identity, IReadOnlyList<string> addresses)
    {
        var certFile = Files.Certificate(identity);
        var keyFile = Files.Key(identity);
        if (!File.Exists(certFile) || !File.Exists(keyFile))
        {
            return false;
        }

        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            var validator = new ClusterCertificateValidator(ca.Certificate, _time);
            if (!validator.IsValid(certificate, PeerRole.Client) || (addresses.Count > 0 && !validator.IsValid(certificate, PeerRole.Server)))
            {
                return false;
            }

            if (certificate.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime < RenewBefore)
            {
                return false;
            }

            return addresses.Count == 0 || HasAddresses(certificate, addresses);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool HasAddresses(X509Certificate2 certificate, IReadOnlyList<string> addresses)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
        {
            return false;
        }

        var ips = san.EnumerateIPAddresses().ToHashSet();
        var names = san.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return addresses.All(a => IPAddress.TryParse(a, out var ip) ? ips.Contains(ip) : names.Contains(a));
    }
}
