using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Engine.Security;

/// <summary>
/// This process's identity in the cluster's mutual TLS, loaded from the cluster's TLS directory: its certificate and
/// key, and a validator pinned to the cluster's CAs (ca.pem, re-read when it changes: <see cref="ClusterTrustBundle"/>). Any TLS user (the silos, the clients, the ranks' data channels) gets
/// its <see cref="SslStream"/> options here: present our certificate, require the peer's, accept it only from the
/// cluster CA. Host names are not checked: inside a cluster every holder of a cluster certificate is a member, and
/// nodes are reached by address.
/// </summary>
public sealed class ClusterTls : IDisposable
{
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private ClusterTls(ClusterTlsFiles files, string identity, X509Certificate2 certificate, ClusterCertificateValidator validator)
    {
        Files = files;
        Identity = identity;
        Certificate = certificate;
        Validator = validator;
    }

    public ClusterTlsFiles Files { get; }

    /// <summary>The identity whose certificate this process presents (client, or node-NODE).</summary>
    public string Identity { get; }

    /// <summary>The cluster CAs this process trusts now (two during a rotation).</summary>
    public ClusterTrustBundle Trust => Validator.Trust;

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public ClusterCertificateValidator Validator { get; }

    /// <summary>
    /// Loads <paramref name="identity"/> from <paramref name="directory"/>; throws <see cref="ClusterTlsException"/> naming
    /// the file when the CA, the certificate or its key is missing or unreadable, or when the certificate is not the cluster CA's.
    /// </summary>
    public static ClusterTls Load(string directory, string identity, TimeProvider? time = null)
    {
        var files = new ClusterTlsFiles(directory);
        var caFile = files.AuthorityCertificate;
        var certFile = files.Certificate(identity);
        var keyFile = files.Key(identity);
        foreach (var (file, what) in new[] { (caFile, "the cluster CA certificate"), (certFile, $"the {identity} certificate"), (keyFile, $"the {identity} key") })
        {
            if (!File.Exists(file))
            {
                throw new ClusterTlsException($"{what} {file} is missing: this process cannot prove it belongs to the cluster (run `hyc up` again to issue the cluster's certificates)");
            }
        }

        var trust = ClusterTrustBundle.Load(caFile);
        X509Certificate2 certificate;

        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ClusterTlsException($"cannot read the {identity} certificate {certFile} with its key {keyFile}: {e.Message}", e);
        }

        var validator = new ClusterCertificateValidator(trust, time);
        if (validator.Problem(certificate, PeerRole.Client) is { } problem)
        {
            certificate.Dispose();
            throw new ClusterTlsException($"the {identity} certificate {certFile} is not the cluster's: {problem}");
        }

        return new ClusterTls(files, identity, certificate, validator);
    }

    /// <summary>Accepts a connection: presents our certificate, requires the client's and accepts only the cluster CA's.</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        // The CAs travel as the acceptable issuers, so a client picks its cluster certificate.
        ServerCertificateContext = SslStreamCertificateContext.Create(Certificate, null, offline: true,
            trust: SslCertificateTrust.CreateForX509Collection([.. Trust.Authorities], sendTrustInHandshake: true)),
        ClientCertificateRequired = true,
        EnabledSslProtocols = Protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, peer, _, _) => IsClusterPeer(peer, PeerRole.Client),
    };

    /// <summary>Opens a connection to <paramref name="targetHost"/>: presents our certificate and accepts only a cluster CA server certificate.</summary>
    public SslClientAuthenticationOptions ClientOptions(string targetHost) => new()
    {
        TargetHost = targetHost,
        ClientCertificateContext = SslStreamCertificateContext.Create(Certificate, null, offline: true),
        EnabledSslProtocols = Protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, peer, _, _) => IsClusterPeer(peer, PeerRole.Server),
    };

    /// <summary>Whether <paramref name="peer"/> (as an SslStream callback sees it) is a cluster certificate for <paramref name="role"/>.</summary>
    public bool IsClusterPeer(X509Certificate? peer, PeerRole role)
    {
        if (peer is null)
        {
            return false;
        }

        if (peer is X509Certificate2 peer2)
        {
            return Validator.IsValid(peer2, role);
        }

        using var copy = X509CertificateLoader.LoadCertificate(peer.GetRawCertData());
        return Validator.IsValid(copy, role);
    }

    public void Dispose() => Certificate.Dispose();
}
