using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Serving.Tests;

/// <summary>HTTPS from a PEM certificate and key (--tls-cert/--tls-key): the client sees that certificate, plain HTTP gets nothing.</summary>
public sealed class HttpsEndpointTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    [Fact]
    public async Task ServesTlsWithTheGivenCertificate()
    {
        using var dir = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=hyc-endpoint-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        File.WriteAllText(dir.File("cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(dir.File("key.pem"), key.ExportPkcs8PrivateKeyPem());

        Environment.SetEnvironmentVariable("HYC_TEST_HTTPS_KEY", "sk-https");
        var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions
        {
            Port = 0, ModelName = "tiny", TlsCertificateFile = dir.File("cert.pem"), TlsKeyFile = dir.File("key.pem"), ApiKeyEnv = "HYC_TEST_HTTPS_KEY",
        });
        await using var _ = app;
        Assert.Equal("https", address.Scheme);

        string? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen = cert?.Thumbprint;
                return cert?.Thumbprint == certificate.Thumbprint;
            },
        };
        using var https = new HttpClient(handler) { BaseAddress = address };
        https.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-https");
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(certificate.Thumbprint, seen);

        using var plain = new HttpClient { BaseAddress = new UriBuilder(address) { Scheme = "http" }.Uri, Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync("/v1/models"));
    }

    [Fact]
    public void ACertificateWithoutItsKeyIsRefused()
    {
        var refused = Assert.Throws<ArgumentException>(() => new ServingOptions { TlsCertificateFile = "/etc/hostname" }.Validate());
        Assert.Contains("--tls-key", refused.Message, StringComparison.Ordinal);
    }
}
