using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hunyuan.Engine.Security;

namespace Hunyuan.Engine.Tests.Security;

/// <summary>What the cluster CA issues: key type, SAN, key usages, validity; and what its validator accepts and refuses.</summary>
public sealed class ClusterCertificateAuthorityTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheCaIsAnEcdsaP256SelfSignedCaForSigningCertificatesOnly()
    {
        using var ca = ClusterCertificateAuthority.Create("prod", new FixedTime(Now));
        var cert = ca.Certificate;

        Assert.Equal("CN=hyc cluster CA prod", cert.Subject);
        Assert.Equal(cert.Subject, cert.Issuer);
        using var key = cert.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key!.KeySize);
        Assert.Equal("1.2.840.10045.3.1.7", key.ExportParameters(false).Curve.Oid.Value);
        var constraints = cert.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, cert.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        Assert.Equal(Now - TimeSpan.FromMinutes(5), new DateTimeOffset(cert.NotBefore.ToUniversalTime()));
        Assert.Equal(Now + ClusterCertificateAuthority.AuthorityLifetime, new DateTimeOffset(cert.NotAfter.ToUniversalTime()));
    }

    [Fact]
    public void ANodeCertificateNamesItsAddressesAndServesBothSides()
    {
        using var ca = ClusterCertificateAuthority.Create("prod", new FixedTime(Now));
        var issued = ca.IssueNode("gpu-1", ["10.0.0.5", "gpu-1.example", "10.0.0.5"]);
        using var cert = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);

        Assert.Equal("CN=gpu-1", cert.Subject);
        Assert.Equal(ca.Certificate.Subject, cert.Issuer);
        Assert.True(cert.HasPrivateKey);
        Assert.Equal(256, cert.GetECDsaPublicKey()!.KeySize);
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([IPAddress.Parse("10.0.0.5")], san.EnumerateIPAddresses());
        Assert.Equal(["gpu-1.example"], san.EnumerateDnsNames());
        var usage = cert.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        Assert.True(usage.Critical);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], Ekus(cert));
        Assert.False(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(Now - TimeSpan.FromMinutes(5), new DateTimeOffset(cert.NotBefore.ToUniversalTime()));
        Assert.Equal(Now + ClusterCertificateAuthority.LeafLifetime, new DateTimeOffset(cert.NotAfter.ToUniversalTime()));

        var validator = new ClusterCertificateValidator(ca.Certificate, new FixedTime(Now));
        Assert.Null(validator.Problem(cert, PeerRole.Server));
        Assert.Null(validator.Problem(cert, PeerRole.Client));
    }

    [Fact]
    public void AClientCertificateIsForClientAuthenticationOnly()
    {
        using var ca = ClusterCertificateAuthority.Create("prod", new FixedTime(Now));
        var issued = ca.IssueClient("operator");
        using var cert = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);

        Assert.Equal(["1.3.6.1.5.5.7.3.2"], Ekus(cert));
        Assert.Empty(cert.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        var validator = new ClusterCertificateValidator(ca.Certificate, new FixedTime(Now));
        Assert.True(validator.IsValid(cert, PeerRole.Client));
        Assert.False(validator.IsValid(cert, PeerRole.Server));
    }

    [Fact]
    public void ACertificateFromAnotherCaIsRefusedEvenWithTheSameNames()
    {
        var time = new FixedTime(Now);
        using var ours = ClusterCertificateAuthority.Create("prod", time);
        using var theirs = ClusterCertificateAuthority.Create("prod", time);
        var forged = theirs.IssueNode("gpu-1", ["10.0.0.5"]);
        using var cert = X509Certificate2.CreateFromPem(forged.CertificatePem, forged.KeyPem);

        var validator = new ClusterCertificateValidator(ours.Certificate, time);
        var problem = validator.Problem(cert, PeerRole.Client);
        Assert.NotNull(problem);
        Assert.Contains("not from this cluster's CA", problem, StringComparison.Ordinal);
        Assert.False(validator.IsValid(cert, PeerRole.Server));

        // Their own CA accepts it: the refusal is the pinning, not a broken certificate.
        Assert.True(new ClusterCertificateValidator(theirs.Certificate, time).IsValid(cert, PeerRole.Client));
    }

    [Fact]
    public void ASelfSignedCertificateWithTheCasNameAndTheCaItselfAreRefused()
    {
        var time = new FixedTime(Now);
        using var ca = ClusterCertificateAuthority.Create("prod", time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(ca.Certificate.SubjectName, key, HashAlgorithmName.SHA256);
        using var impostor = request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));

        var validator = new ClusterCertificateValidator(ca.Certificate, time);
        Assert.False(validator.IsValid(impostor, PeerRole.Client));
        Assert.False(validator.IsValid(ca.Certificate, PeerRole.Client));
    }

    [Fact]
    public void AnExpiredOrNotYetValidCertificateIsRefused()
    {
        var time = new FixedTime(Now);
        using var ca = ClusterCertificateAuthority.Create("prod", time);
        var issued = ca.IssueClient("operator");
        using var cert = X509Certificate2.CreateFromPem(issued.CertificatePem);

        time.Now = Now + ClusterCertificateAuthority.LeafLifetime + TimeSpan.FromDays(1);
        Assert.False(new ClusterCertificateValidator(ca.Certificate, time).IsValid(cert, PeerRole.Client));
        time.Now = Now - TimeSpan.FromHours(1);
        Assert.False(new ClusterCertificateValidator(ca.Certificate, time).IsValid(cert, PeerRole.Client));
        time.Now = Now + TimeSpan.FromDays(1);
        Assert.True(new ClusterCertificateValidator(ca.Certificate, time).IsValid(cert, PeerRole.Client));
    }

    [Fact]
    public void TheCaRoundTripsThroughPemAndKeepsIssuingForTheSameRoot()
    {
        var time = new FixedTime(Now);
        using var ca = ClusterCertificateAuthority.Create("prod", time);
        using var again = ClusterCertificateAuthority.FromPem(ca.CertificatePem, ca.KeyPem(), time);
        var issued = again.IssueClient("operator");
        using var cert = X509Certificate2.CreateFromPem(issued.CertificatePem);

        Assert.True(new ClusterCertificateValidator(ca.Certificate, time).IsValid(cert, PeerRole.Client));
        var leaf = ca.IssueClient("x");
        Assert.Throws<CryptographicException>(() => ClusterCertificateAuthority.FromPem(leaf.CertificatePem, leaf.KeyPem, time));
    }

    private static string[] Ekus(X509Certificate2 cert) =>
        [.. cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value ?? "")];
}
