using System.Net;
using System.Net.Sockets;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Preflight;
using Hunyuan.Provisioning.Runtimes;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Preflight;

public sealed class HostPreflightTests : IDisposable
{
    private static readonly RuntimeSettings Docker = new(HostRuntimeKind.Docker, "img", "c", 36005, false, "64g");
    private static readonly RuntimeSettings Process = new(HostRuntimeKind.Process, "img", "c", 36005, false, "64g");
    private static readonly HostEntry EightGpus = new("10.0.0.2", "root", 22, null, 8, null, null, 14);
    private readonly string _bin = Path.Combine(Path.GetTempPath(), "hyc-preflight-" + Guid.NewGuid().ToString("N"));

    public HostPreflightTests() => Directory.CreateDirectory(_bin);

    private const string Healthy = "os=Linux\ndistro=Debian GNU/Linux 12 (bookworm)\ndisk_kib=104857600\ngpus=8\ndocker=27.3.1\nglibc=2.36\nlibs=libgcc_s.so.1 libssl.so.3 libstdc++.so.6 \nlisten=0016\n";

    [Fact]
    public void AHealthyHostPassesEveryCheck()
    {
        var report = HostPreflight.Judge(EightGpus, Docker, new PreflightOptions { PortsThatMustBeFree = [11111, 36005] }, Healthy);
        Assert.True(report.Ok, string.Join("; ", report.Failures("hosts.yaml")));
        Assert.Equal(["os", "disk", "gpus", "docker", "libraries", "ports"], report.Checks.Select(c => c.Name));
    }

    [Theory]
    [InlineData("gpus=4", "gpus: expected 8, nvidia-smi shows 4")]
    [InlineData("gpus=absent", "gpus: nvidia-smi not found")]
    [InlineData("docker=absent", "docker: docker not found")]
    [InlineData("docker=unreachable", "docker: docker is installed but its daemon does not answer")]
    [InlineData("os=Darwin", "os: 'Darwin'")]
    [InlineData("disk_kib=1024", "disk: 0.0 GiB free under $HOME, 20.0 GiB needed")]
    [InlineData("listen=7A69", "ports: already in use: 31337")]
    [InlineData("glibc=2.17", "libraries: the image img: glibc 2.17 (.NET needs 2.27 or later)")]
    [InlineData("libs=libgcc_s.so.1 libstdc++.so.6", "libraries: the image img: no OpenSSL")]
    [InlineData("libs=libssl.so.1.1 libgcc_s.so.1", "libraries: the image img: no libstdc++.so.6;")]
    public void AFailureNamesTheHostItsLineAndTheCheck(string fact, string expected)
    {
        var key = fact[..(fact.IndexOf('=', StringComparison.Ordinal) + 1)];
        var facts = string.Join('\n', Healthy.Split('\n').Where(l => !l.StartsWith(key, StringComparison.Ordinal) || key == "listen=")) + "\n" + fact;
        var report = HostPreflight.Judge(EightGpus, Docker, new PreflightOptions { PortsThatMustBeFree = [31337] }, facts);
        Assert.False(report.Ok);
        var failure = Assert.Single(report.Failures("hosts.yaml"));
        Assert.StartsWith("10.0.0.2 (hosts.yaml line 14): " + expected, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void VirtualGpusNeedNoDriverAndTheProcessRuntimeNoDocker()
    {
        var cpuHost = EightGpus with { Gpus = null, VirtualGpus = new VirtualGpus(2, 16L << 30) };
        var report = HostPreflight.Judge(cpuHost, Process, new PreflightOptions(), "os=Linux\ndisk_kib=104857600\ngpus=absent\ndocker=absent\n");
        Assert.True(report.Ok, string.Join("; ", report.Failures("hosts.yaml")));
        Assert.Contains("simulated on the CPU", report.Checks.Single(c => c.Name == "gpus").Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Checks, c => c.Name == "docker");
    }

    [Fact]
    public async Task TheProbeReadsThisMachineAndSeesAPortThisTestHolds()
    {
        WriteTool("nvidia-smi", "printf '0\\n1\\n'");
        WriteTool("docker", "echo 27.3.1");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var held = ((IPEndPoint)listener.LocalEndpoint).Port;
        var shell = new LocalShell(new Dictionary<string, string> { ["PATH"] = _bin + ":" + Environment.GetEnvironmentVariable("PATH") });

        var report = await HostPreflight.RunAsync(shell, EightGpus with { Gpus = 2 }, Docker, new PreflightOptions { MinFreeDiskBytes = 1, PortsThatMustBeFree = [held] });

        Assert.Equal(["os", "disk", "gpus", "docker", "libraries", "ports"], report.Checks.Select(c => c.Name));
        Assert.All(report.Checks.Where(c => c.Name != "ports"), c => Assert.True(c.Ok, $"{c.Name}: {c.Detail}"));
        Assert.Equal("2 found", report.Checks.Single(c => c.Name == "gpus").Detail);
        Assert.Equal($"already in use: {held} (another process listens there; stop it or choose other ports)", report.Checks.Single(c => c.Name == "ports").Detail);
        listener.Stop();
        var after = await HostPreflight.RunAsync(shell, EightGpus with { Gpus = 2 }, Docker, new PreflightOptions { MinFreeDiskBytes = 1, PortsThatMustBeFree = [held] });
        Assert.True(after.Ok, string.Join("; ", after.Failures("hosts.yaml")));
    }

    [Fact]
    public async Task TheRedisImagesVersionIsReadPastDockersWarnings()
    {
        // As a real engine does with host networking and IPv4 forwarding off: a warning on stderr before the output.
        WriteTool("docker", """
            case "$1" in
              version) echo 27.3.1 ;;
              image) exit 0 ;;
              run) echo 'WARNING: IPv4 forwarding is disabled. Networking will not work.' >&2; echo 'Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1' ;;
            esac
            """);
        var shell = new LocalShell(new Dictionary<string, string> { ["PATH"] = _bin + ":" + Environment.GetEnvironmentVariable("PATH") });

        var report = await HostPreflight.RunAsync(shell, EightGpus with { Gpus = null, VirtualGpus = new VirtualGpus(1, 1L << 30) }, Docker, new PreflightOptions { MinFreeDiskBytes = 1, RunsRedis = true, RedisImage = "lab:redis" });

        var redis = Assert.Single(report.Checks, c => c.Name == "redis");
        Assert.True(redis.Ok, redis.Detail);
        Assert.Contains("v=7.0.15", redis.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLibrariesProbeReadsThisMachinesGlibcAndLinkerCache()
    {
        var report = await HostPreflight.RunAsync(new LocalShell(), EightGpus with { Gpus = null, VirtualGpus = new VirtualGpus(1, 1L << 30) }, Process, new PreflightOptions { MinFreeDiskBytes = 1 });

        var libraries = Assert.Single(report.Checks, c => c.Name == "libraries");
        Assert.True(libraries.Ok, libraries.Detail);
        Assert.Matches(@"^glibc 2\.\d+, .*libgcc_s\.so\.1.*libssl\.so\.(3|1\.1).*libstdc\+\+\.so\.6", libraries.Detail);
    }

    private void WriteTool(string name, string body)
    {
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Theory]
    [InlineData("process", "redis=Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0", "redis:7.2", true, "v=7.0.15")]
    [InlineData("process", "redis=Redis server v=6.2.14 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1", "redis:7.2", false, "hyc needs Redis 7 or later")]
    [InlineData("process", "redis=absent", "redis:7.2", false, "redis-server not found on the head")]
    [InlineData("docker", "redis=Redis server v=7.2.4 sha=0 malloc=libc bits=64 build=1", "redis:7.2", true, "v=7.2.4")]
    [InlineData("docker", "redis=Redis server v=5.0.14 sha=0 malloc=libc bits=64 build=1", "redis:latest", false, "the image redis:latest is")]
    [InlineData("docker", "redis=not-pulled", "redis:6.2-alpine", false, "names Redis 6")]
    [InlineData("docker", "redis=not-pulled", "registry.local:5000/redis", true, "not pulled yet")]
    public void TheHeadNeedsRedis7OrLater(string kind, string fact, string image, bool ok, string detail)
    {
        var runtime = kind == "docker" ? Docker : Process;
        var report = HostPreflight.Judge(EightGpus, runtime, new PreflightOptions { RunsRedis = true, RedisImage = image }, Healthy + fact + "\n");
        var check = Assert.Single(report.Checks, c => c.Name == "redis");
        Assert.Equal(ok, check.Ok);
        Assert.Contains(detail, check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(HostPreflight.Judge(EightGpus, runtime, new PreflightOptions(), Healthy).Checks, c => c.Name == "redis");
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);
}
