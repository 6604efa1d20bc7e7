using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Engine.Security;

/// <summary>
/// A cluster's own CA, made in-process (ECDSA P-256, no openssl): it signs one certificate per node (the node's
/// addresses in its SAN, good for server and client authentication, since a silo both accepts and opens connections)
/// and client certificates (client authentication only) for the operator and other callers. Every peer accepts only
/// certificates that chain to it (<see cref="ClusterCertificateValidator"/>).
/// </summary>
public sealed class ClusterCertificateAuthority : IDisposable
{
    /// <summary>How long a new CA is valid.</summary>
    public static readonly TimeSpan AuthorityLifetime = TimeSpan.FromDays(3650);

    /// <summary>How long a node or client certificate is valid (never past its CA).</summary>
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(825);

    // Hosts' clocks disagree a little: a certificate issued on the operator's machine must already be valid on theirs.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;

    private ClusterCertificateAuthority(X509Certificate2 certificate, TimeProvider time)
    {
        Certificate = certificate;
        _time = time;
    }

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePem => Certificate.ExportCertificatePem();

    public static ClusterCertificateAuthority Create(string clusterName, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN=hyc cluster CA {Sanitize(clusterName)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        return new ClusterCertificateAuthority(request.CreateSelfSigned(now - ClockSkew, now + AuthorityLifetime), time);
    }

    /// <summary>The CA as written by <see cref="CertificatePem"/> and <see cref="KeyPem"/>.</summary>
    public static ClusterCertificateAuthority FromPem(string certificatePem, string keyPem, TimeProvider? time = null)
    {
        var certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        if (!certificate.HasPrivateKey || certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            certificate.Dispose();
            throw new CryptographicException("not a CA certificate with its private key");
        }

        return new ClusterCertificateAuthority(certificate, time ?? TimeProvider.System);
    }

    public string KeyPem()
    {
        using var key = Certificate.GetECDsaPrivateKey() ?? throw new CryptographicException("the CA certificate has no ECDSA private key");
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>A node's certificate: subject CN=node, each of <paramref name="addresses"/> in its SAN (IP addresses as IPs, the rest as DNS names).</summary>
    public IssuedCertificate IssueNode(string node, IEnumerable<string> addresses)
    {
        var san = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var address in addresses.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(address, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(address);
            }

            any = true;
        }

        if (!any)
        {
            throw new ArgumentException($"node '{node}' needs at least one address for its certificate");
        }

        return Issue($"CN={Sanitize(node)}", [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], san.Build());
    }

    /// <summary>A client certificate (client authentication only), e.g. the operator's.</summary>
    public IssuedCertificate IssueClient(string name) => Issue($"CN={Sanitize(name)}", [new Oid("1.3.6.1.5.5.7.3.2")], null);

    public void Dispose() => Certificate.Dispose();

    private IssuedCertificate Issue(string subject, Oid[] usages, X509Extension? san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var ekus = new OidCollection();
        foreach (var usage in usages)
        {
            ekus.Add(usage);
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        var now = _time.GetUtcNow();
        var notAfter = now + LeafLifetime < Certificate.NotAfter.ToUniversalTime() ? now + LeafLifetime : new DateTimeOffset(Certificate.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Certificate, now - ClockSkew, notAfter, serial);
        return new IssuedCertificate(issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    // A name goes into a distinguished name: characters with a meaning there are replaced.
    private static string Sanitize(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or ' ' ? c : '_')]);
}
