using System.Net;
using System.Security.Cryptography.X509Certificates;
using Hunyuan.Cluster.Services;
using Hunyuan.Engine.Security;
using Hunyuan.Model.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Hunyuan.Cluster.Tests.Services;

/// <summary>deploy --https: the probe trusts the cluster's CA for the head's certificate, and nothing else.</summary>
public sealed class HttpEndpointProbeTests
{
    [Fact]
    public async Task AnHttpsEndpointIsReadyOnlyWithACertificateFromTheGivenAuthority()
    {
        using var dir = new TempDirectory();
        using var ca = ClusterCertificateAuthority.Create("probe");
        using var stranger = ClusterCertificateAuthority.Create("stranger");
        var node = ca.IssueNode("127.0.0.1", ["127.0.0.1"]);
        File.WriteAllText(dir.File("ca.pem"), ca.CertificatePem);
        File.WriteAllText(dir.File("stranger.pem"), stranger.CertificatePem);
        using var certificate = X509Certificate2.CreateFromPem(node.CertificatePem, node.KeyPem);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        await using var app = builder.Build();
        app.MapGet("/health/ready", () => Results.Ok());
        await app.StartAsync();
        var root = new Uri(app.Urls.First());

        var probe = new HttpEndpointProbe(TimeProvider.System);
        Assert.True(await probe.WaitReadyAsync(root, null, TimeSpan.FromSeconds(20), default, dir.File("ca.pem")));
        Assert.False(await probe.WaitReadyAsync(root, null, TimeSpan.FromSeconds(1.5), default, dir.File("stranger.pem")));
        Assert.False(await probe.WaitReadyAsync(root, null, TimeSpan.FromSeconds(1.5), default));
    }
}
