using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hunyuan.Cluster.State;
using Hunyuan.Engine.Security;
using Hunyuan.Provisioning.Tls;

namespace Hunyuan.Cluster.Tls;

/// <summary>
/// A cluster's TLS material on the operator's machine (~/.hyc/clusters/NAME/tls, 0700): the trust bundle (ca.pem: the
/// cluster CA, newest first, and during a rotation the old one after it), the newest CA's key (ca.key), the operator's
/// client certificate (client.pem, client.key) and each node's (node-NODE.pem, node-NODE.key). What is there and still
/// good is kept, so a second `up` issues nothing; a certificate that is missing, unreadable, not from the newest CA
/// (unless <see cref="CertificateRenewal"/> holds it on a CA still trusted), near its end or without an address it now
/// needs is issued again. Every file is written whole (temp file, rename) and 0600. Safe to call from the hosts'
/// parallel steps.
/// </summary>
public sealed class ClusterTlsStore : IDisposable
{
    /// <summary>A certificate this close to its end is issued again.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private readonly string _clusterName;
    private readonly TimeProvider _time;
    private readonly CertificateRenewal _renewal;
    private readonly Lock _gate = new();
    private readonly List<string> _changes = [];
    private ClusterCertificateAuthority? _authority;

    public ClusterTlsStore(string directory, string clusterName, TimeProvider? time = null, CertificateRenewal? renewal = null)
    {
        Files = new ClusterTlsFiles(directory);
        _clusterName = clusterName;
        _time = time ?? TimeProvider.System;
        _renewal = renewal ?? CertificateRenewal.Any;
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

    /// <summary>Replaces the CA with a new one at once, trusting it alone: for a cluster with nothing running yet (a rotation's roll is <see cref="BeginRotation"/>).</summary>
    public void RotateAuthority()
    {
        lock (_gate)
        {
            _authority?.Dispose();
            _authority = CreateAuthority("created a new cluster CA (rotation)");
        }
    }

    /// <summary>Whether ca.pem trusts more than one CA: a rotation began and has not finished.</summary>
    public bool RotationInProgress
    {
        get
        {
            // Read only: asking must not create a CA that the runtime would then not report.
            lock (_gate)
            {
                return Trusted().Length > 1;
            }
        }
    }

    /// <summary>
    /// Starts a rotation: a new CA, whose key goes to ca.key, and ca.pem trusting it first and the current one after it,
    /// so that nodes with either CA's certificate accept each other. False (nothing changed) when one is already in progress.
    /// </summary>
    public bool BeginRotation()
    {
        lock (_gate)
        {
            Authority();
            var trusted = Trusted();
            if (trusted.Length > 1)
            {
                return false;
            }

            var ca = ClusterCertificateAuthority.Create(_clusterName, _time);

            // The bundle first: a crash before the key is written leaves the old CA (its key) in charge of a bundle that
            // trusts both, which the next `up` finishes as a rotation that moved nothing, and the cluster keeps working.
            PrivateFile.Write(Files.AuthorityCertificate, BundlePem([ca.Certificate, .. trusted]));
            PrivateFile.Write(Files.AuthorityKey, ca.KeyPem());
            _authority?.Dispose();
            _authority = ca;
            _changes.Add("created a new cluster CA (rotation); ca.pem trusts it and the old one until every node has its new certificate");
            return true;
        }
    }

    /// <summary>Ends a rotation: ca.pem trusts the newest CA (the one whose key is in ca.key) alone. Returns how many CAs left it.</summary>
    public int CompleteRotation()
    {
        lock (_gate)
        {
            var ca = Authority();
            var trusted = Trusted();
            if (trusted.Length <= 1)
            {
                return 0;
            }

            PrivateFile.Write(Files.AuthorityCertificate, BundlePem([ca.Certificate]));
            _changes.Add($"ca.pem trusts the new cluster CA alone ({trusted.Length - 1} old CA(s) removed)");
            return trusted.Length - 1;
        }
    }

    /// <summary>Whether <paramref name="identity"/>'s certificate is there, good, and from the newest CA: a node the roll has already moved.</summary>
    public bool IsFromNewestAuthority(string identity)
    {
        lock (_gate)
        {
            var ca = Authority();
            var certFile = Files.Certificate(identity);
            if (!File.Exists(certFile))
            {
                return false;
            }

            try
            {
                using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certFile));
                return new ClusterCertificateValidator(ca.Certificate, _time).IsValid(certificate, PeerRole.Client);
            }
            catch (CryptographicException)
            {
                return false;
            }
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
            // ca.key belongs to the newest CA of the bundle, wherever a crash mid-rotation left it.
            var keyPem = File.ReadAllText(Files.AuthorityKey);
            foreach (var certificate in Trusted())
            {
                using (certificate)
                {
                    try
                    {
                        return _authority = ClusterCertificateAuthority.FromPem(certificate.ExportCertificatePem(), keyPem, _time);
                    }
                    catch (Exception e) when (e is CryptographicException or ArgumentException)
                    {
                        // Not this one's key: the next.
                    }
                }
            }

            throw new CryptographicException($"{Files.AuthorityKey} is the key of none of the certificates in {Files.AuthorityCertificate}");
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
        PrivateFile.Write(Files.AuthorityCertificate, BundlePem([ca.Certificate]));
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

            // Held during a roll: any CA the bundle trusts will do, so this node's agent is not restarted in this pass.
            var validator = _renewal.Allows(identity)
                ? new ClusterCertificateValidator(ca.Certificate, _time)
                : new ClusterCertificateValidator(ClusterTrustBundle.Of(Trusted()), _time);
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

    // The CA certificates ca.pem trusts now, newest first.
    private X509Certificate2[] Trusted() =>
        File.Exists(Files.AuthorityCertificate) ? ClusterTrustBundle.Parse(File.ReadAllText(Files.AuthorityCertificate)) : [];

    private static string BundlePem(IEnumerable<X509Certificate2> authorities) => string.Concat(authorities.Select(a => a.ExportCertificatePem() + "\n"));

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
