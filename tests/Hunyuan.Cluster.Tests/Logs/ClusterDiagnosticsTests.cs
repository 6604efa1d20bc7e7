using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Hunyuan.Cluster.Logs;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tests.Fakes;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Tests.Logs;

/// <summary>
/// `hyc logs` and `hyc debug-bundle` over real shells on this machine, each "node" a home of its own holding the files
/// hyc's processes write (~/.hyc/clusters/lab/...), the runtime faked only in how it hands those shells out.
/// </summary>
public sealed class ClusterDiagnosticsTests : IDisposable
{
    private const string RedisPassword = "0f3c9a7be21d44e6a8f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2";
    private const string ApiKey = "sk-test-7c1f0e9a3b5d4c2e8f6a";
    private readonly TempDirectory _dir = new();
    private readonly FakeRuntime _runtime = new();
    private readonly FakeCluster _cluster = new() { Reachable = false };
    private readonly List<string> _errors = [];

    public ClusterDiagnosticsTests()
    {
        var service = Service;
        service.Store("lab").Write(new ClusterState
        {
            Name = "lab",
            Runtime = ClusterRuntimeKinds.SshProcess,
            Gateways = ["10.0.0.1:30000", "10.0.0.2:30000", "10.0.0.3:30000"],
            Hosts = [new ClusterHost("10.0.0.1", "head", "n0", ""), new ClusterHost("10.0.0.2", "worker", "n1", ""), new ClusterHost("10.0.0.3", "worker", "n2", "")],
        });
        _runtime.LogHosts.Add(Node("n0"));
        _runtime.LogHosts.Add(Node("n1"));
        _runtime.LogHosts.Add(LogHost.Unreachable("n2", "cannot connect as root@10.0.0.3:22: Connection refused"));
    }

    private ClusterService Service => new(_dir.File("operator"), _cluster, new FakeEndpointProbe(), new FakeModelResolver(), TimeProvider.System, _ => _runtime);

    private ClusterDiagnostics Diagnostics => new(Service, TimeProvider.System);

    [Fact]
    public async Task EveryLineCarriesItsNodeAndLogAndAnUnreachableNodeIsNamed()
    {
        Write("n0", "agent.log", "2026-12-01T11:00:00.000Z info: Hunyuan agent n0 up\n");
        Write("n0", "redis.log", "7:M 01 Dec 2026 11:00:01.000 * Ready to accept connections\n");
        Write("n1", "agent.log", "2026-12-01T11:00:02.000Z info: Hunyuan agent n1 up\n");

        var lines = await ReadAsync(new LogQuery());

        Assert.Contains(new LogLine("n0", "agent", "2026-12-01T11:00:00.000Z info: Hunyuan agent n0 up"), lines);
        Assert.Contains(new LogLine("n0", "redis", "7:M 01 Dec 2026 11:00:01.000 * Ready to accept connections"), lines);
        Assert.Contains(new LogLine("n1", "agent", "2026-12-01T11:00:02.000Z info: Hunyuan agent n1 up"), lines);
        Assert.Equal(["n2: cannot connect as root@10.0.0.3:22: Connection refused"], _errors);
    }

    [Fact]
    public async Task SinceKeepsLinesByTheirOwnTimeAndAStackTraceWithItsLine()
    {
        var now = DateTimeOffset.UtcNow;
        Write("n0", "agent.log", $"{now.AddHours(-2):yyyy-MM-ddTHH:mm:ss.fffZ} old line\n{now.AddMinutes(-1):yyyy-MM-ddTHH:mm:ss.fffZ} fail: it broke\n   at Hunyuan.Frame()\n");

        var lines = await ReadAsync(new LogQuery(Node: "n0", Since: now.AddMinutes(-10)));

        Assert.Equal(["fail: it broke", "   at Hunyuan.Frame()"], lines.Select(l => l.Text.Length > 25 && l.Text[4] == '-' ? l.Text[25..] : l.Text));
    }

    [Fact]
    public async Task FollowingPrintsWhatIsAppended()
    {
        Write("n1", "agent.log", "first\n");
        var seen = new List<LogLine>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var follow = Diagnostics.LogsAsync("lab", new LogQuery(Node: "n1", Follow: true) { PollInterval = TimeSpan.FromMilliseconds(100) }, l => { lock (seen) { seen.Add(l); } }, (_, _) => { }, stop.Token);

        await WaitForAsync(() => seen.Any(l => l.Text == "first"));
        File.AppendAllText(LogPath("n1", "agent.log"), "second, half");
        File.AppendAllText(LogPath("n1", "agent.log"), " and the rest\n");
        await WaitForAsync(() => seen.Any(l => l.Text == "second, half and the rest"));
        await stop.CancelAsync();
        await follow;

        Assert.Equal(["first", "second, half and the rest"], seen.Select(l => l.Text));
    }

    [Fact]
    public async Task AnUnknownNodeNamesTheClustersNodes()
    {
        var e = await Assert.ThrowsAsync<ClusterException>(() => ReadAsync(new LogQuery(Node: "n9")));

        Assert.Equal(ClusterFailure.InvalidArguments, e.Failure);
        Assert.Contains("its nodes: n0, n1, n2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDebugBundleHoldsEveryHostsLogsAndErrorsAndNoSecret()
    {
        Write("n0", "agent.log", $"2026-12-01T11:00:00.000Z warn: Redis refused password {RedisPassword}\n");
        Write("n0", "serve-m.log", $"2026-12-01T11:00:00.000Z warn: client sent Bearer {ApiKey}\n");
        Write("n1", "agent.log", "2026-12-01T11:00:00.000Z info: up\n");
        WriteSecret("n0", "redis.password", RedisPassword + "\n");
        WriteSecret("n0", "api-key-serve-m", ApiKey + "\n");
        WriteSecret("n0", "cluster_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
        var path = _dir.File("out/bundle.tar.gz");

        var report = await Diagnostics.DebugBundleAsync("lab", path, new RecordingProgress(), default);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var entries = Extract(path);
        Assert.Contains("bundle/hosts/n0/agent.log", entries.Keys);
        Assert.Contains("bundle/hosts/n0/serve-m.log", entries.Keys);
        Assert.Contains("bundle/hosts/n1/agent.log", entries.Keys);
        Assert.Contains("bundle/hosts/n0/versions.txt", entries.Keys);
        Assert.Contains("bundle/cluster.json", entries.Keys);
        Assert.Contains("bundle/versions.txt", entries.Keys);
        Assert.Contains("Connection refused", entries["bundle/hosts/n2/error.txt"], StringComparison.Ordinal);
        Assert.Contains("cannot reach the cluster", entries["bundle/status-error.txt"], StringComparison.Ordinal);
        Assert.Contains("refused password [redacted]", entries["bundle/hosts/n0/agent.log"], StringComparison.Ordinal);
        Assert.Equal("n2", Assert.Single(report.HostErrors).Key);
        var all = string.Concat(entries.Values) + string.Concat(entries.Keys);
        Assert.DoesNotContain(RedisPassword, all, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, all, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", all, StringComparison.Ordinal);
        Assert.DoesNotContain("b3BlbnNzaC1rZXktdjEAAAAA", all, StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".partial"));
    }

    public void Dispose() => _dir.Dispose();

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "not seen within 10 s");
            await Task.Delay(50);
        }
    }

    private static Dictionary<string, string> Extract(string path)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
            entries[entry.Name] = reader.ReadToEnd();
        }

        return entries;
    }

    private async Task<List<LogLine>> ReadAsync(LogQuery query)
    {
        var lines = new List<LogLine>();
        await Diagnostics.LogsAsync("lab", query, lines.Add, (node, error) => _errors.Add($"{node}: {error}"), default);
        return lines;
    }

    private string Home(string node) => _dir.File("node-" + node);

    private string LogPath(string node, string file) => Path.Combine(Home(node), "clusters", "lab", "logs", file);

    private void Write(string node, string file, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath(node, file))!);
        File.WriteAllText(LogPath(node, file), text);
    }

    private void WriteSecret(string node, string file, string text) => File.WriteAllText(Path.Combine(Home(node), "clusters", "lab", file), text);

    private LogHost Node(string node) => new(node, new LocalShell(new Dictionary<string, string> { ["HYC_HOME"] = Home(node) }), null, _ => true);
}
