using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hunyuan.Grains.Tests.Hosting;

public sealed class AgentOptionsTests
{
    [Fact]
    public void DefaultsAreTheDocumentedOnesAndPassValidation()
    {
        var o = new AgentOptions { NodeName = "n0" };

        Assert.Equal(("hunyuan", "hyc", "localhost", "127.0.0.1", 11111, 30000), (o.ClusterId, o.ServiceId, o.Clustering, o.AdvertisedAddress, o.SiloPort, o.GatewayPort));
        Assert.Null(Record.Exception(o.Validate));
    }

    [Fact]
    public void AnAgentsSupervisionReadsTheSilosClockWithTheDefaultOptions()
    {
        using var host = AgentHost.Build(new AgentOptions { NodeName = "n0" });

        Assert.Same(host.Services.GetRequiredService<TimeProvider>(), host.Services.GetRequiredKeyedService<TimeProvider>(SupervisionOptions.ClockKey));
        Assert.Equal(TimeSpan.FromSeconds(30), host.Services.GetRequiredService<IOptions<SupervisionOptions>>().Value.CanaryPeriod);
    }

    [Fact]
    public void AnAgentWithATlsDirectoryButNoCertificateOfItsNodeDoesNotStart()
    {
        var dir = Directory.CreateTempSubdirectory("hyc-agent-tls-");
        try
        {
            var e = Assert.Throws<Hunyuan.Engine.Security.ClusterTlsException>(() => AgentHost.Build(new AgentOptions { NodeName = "n0", TlsDirectory = dir.FullName }));
            Assert.Contains("ca.pem", e.Message, StringComparison.Ordinal);
            Assert.Contains("is missing", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--node", "")]
    [InlineData("--node", "a|b")]
    [InlineData("--clustering", "zookeeper")]
    [InlineData("--redis", null)]
    [InlineData("--address", "0.0.0.0")]
    [InlineData("--silo-port", "70000")]
    [InlineData("--redis-password-env", "HYC_TEST_UNSET_VARIABLE_4711")]
    [InlineData("--tls-dir", "/nonexistent/hyc-tls-4711")]
    [InlineData("--torch-threads", "-1")]
    public void EachBadOptionIsNamed(string option, string? value)
    {
        var o = new AgentOptions { NodeName = "n0" };
        switch (option)
        {
            case "--node": o.NodeName = value!; break;
            case "--clustering": o.Clustering = value!; break;
            case "--redis": o.Clustering = "redis"; o.RedisEndpoint = value; break;
            case "--address": o.AdvertisedAddress = value!; break;
            case "--silo-port": o.SiloPort = int.Parse(value!, System.Globalization.CultureInfo.InvariantCulture); break;
            case "--redis-password-env": o.RedisPasswordEnv = value; break;
            case "--tls-dir": o.TlsDirectory = value; break;
            case "--torch-threads": o.TorchThreads = int.Parse(value!, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var ex = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHeadIsMarkedInTheSiloName()
    {
        Assert.Equal("head:n0", SiloNames.For("n0", isHead: true));
        Assert.True(SiloNames.IsHead("head:n0"));
        Assert.Equal("n0", SiloNames.NodeOf("head:n0"));
        Assert.Equal("n1", SiloNames.NodeOf(SiloNames.For("n1", isHead: false)));
    }
}
