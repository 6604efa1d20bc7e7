using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tests.Fakes;
using Hunyuan.Engine.Security;
using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cluster.Tests.Services;

/// <summary>
/// `up --rotate-certs` as a roll, with the real local runtime over fake processes and a membership that follows them (a
/// restarted agent is "joining" for two reads before it is alive as a new silo): the bundle of both CAs goes out first
/// with no restart, the agents restart one at a time (workers first, the head last), each only after the one before is
/// alive again, then ca.pem trusts the new CA alone; a roll that stops leaves both CAs trusted and the next `up` finishes it.
/// </summary>
public sealed class CertificateRotationTests : IDisposable
{
    private const int Nodes = 3;
    private readonly TempDirectory _home = new();
    private readonly FakeCluster _cluster = new();
    private readonly FakeManagedProcesses _processes = new();
    private readonly RecordingProgress _progress = new();
    private readonly List<string> _timeline = [];
    private readonly Dictionary<int, int> _firstSeen = [];
    private string? _stuck;
    private int _stuckAfter;
    private int _reads;
    private int _synced;

    public CertificateRotationTests() => _cluster.MembersSource = Members;

    private ClusterStore Store => new(_home.Path, "local");

    private ClusterTlsFiles Files => new(Store.TlsDirectory);

    private LocalRuntime Runtime => new(
        new LocalClusterOptions { Nodes = Nodes, GpusPerNode = 1, GpuMemoryBytes = 1L << 30, BasePort = 11111, StartTimeout = TimeSpan.FromSeconds(5) },
        _processes, new FakePortProbe(), TimeProvider.System);

    private ClusterService Service => new(_home.Path, _cluster, new FakeEndpointProbe(), new FakeModelResolver(), TimeProvider.System, _ => Runtime);

    [Fact]
    public async Task AgentsRestartOneAtATimeEachAfterThePreviousRejoinedAndTheOldCaEndsUntrusted()
    {
        Assert.True((await Service.UpAsync(Runtime, Options(), _progress, default)).Ok, _progress.Text);
        using var oldCa = Authorities().Single();
        using var oldClient = Client();
        _timeline.Clear();
        _processes.Log.Clear();
        _synced = 0;

        var report = await Service.UpAsync(Runtime, Options(rotate: true), _progress, default);

        Assert.True(report.Ok, _progress.Text);
        Assert.True(report.Changed);
        Assert.Equal(
        [
            "restarted agent-local-1", "rejoined local-1",
            "restarted agent-local-2", "rejoined local-2",
            "restarted agent-local-0", "rejoined local-0",
        ], _timeline);
        Assert.Contains("step 1/3", _progress.Text, StringComparison.Ordinal);
        Assert.Contains("step 3/3", _progress.Text, StringComparison.Ordinal);
        Assert.Contains("certificate rotation complete", _progress.Text, StringComparison.Ordinal);

        // The end: one CA, not the old one; every certificate from it; the old CA's client refused by what the nodes load.
        using var newCa = Authorities().Single();
        Assert.NotEqual(oldCa.Thumbprint, newCa.Thumbprint);
        var validator = new ClusterCertificateValidator(ClusterTrustBundle.Load(Files.AuthorityCertificate));
        foreach (var identity in Enumerable.Range(0, Nodes).Select(i => ClusterTlsFiles.NodeIdentity(LocalLayout.NodeName(i))).Prepend(ClusterTlsFiles.ClientIdentity))
        {
            using var certificate = X509Certificate2.CreateFromPemFile(Files.Certificate(identity), Files.Key(identity));
            Assert.Equal(newCa.Subject, certificate.Issuer);
            Assert.True(validator.IsValid(certificate, PeerRole.Client), identity);
        }

        Assert.False(validator.IsValid(oldClient, PeerRole.Client));

        // A later plain `up` has nothing left to do.
        _timeline.Clear();
        Assert.True((await Service.UpAsync(Runtime, Options(), _progress, default)).Ok);
        Assert.DoesNotContain(_timeline, e => e.StartsWith("restarted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARollThatStopsKeepsBothCasTrustedAndTheNextUpFinishesIt()
    {
        Assert.True((await Service.UpAsync(Runtime, Options(), _progress, default)).Ok, _progress.Text);
        using var oldCa = Authorities().Single();
        _timeline.Clear();
        _processes.Log.Clear();
        _synced = 0;
        // local-2's agent, once restarted, never becomes alive again.
        (_stuck, _stuckAfter) = ("local-2", _reads);

        var stopped = await Service.UpAsync(Runtime, Options(rotate: true, joinSeconds: 2), _progress, default);

        Assert.False(stopped.Ok);
        var host = stopped.Hosts.Single(h => h.Report.Node == "local-2");
        Assert.Contains("certificate rotation stopped here", host.Report.Error, StringComparison.Ordinal);
        Assert.Contains("run `hyc up` again", host.Report.Error, StringComparison.Ordinal);
        Assert.Equal(2, Authorities().Length);
        Assert.Contains(Authorities(), a => a.Thumbprint == oldCa.Thumbprint);
        Assert.DoesNotContain("restarted agent-local-0", _timeline);

        _stuck = null;
        _timeline.Clear();
        var resumed = await Service.UpAsync(Runtime, Options(), _progress, default);

        Assert.True(resumed.Ok, _progress.Text);
        Assert.Contains("resuming the unfinished one", _progress.Text, StringComparison.Ordinal);
        Assert.Contains("[local-1] certificate rotation, step 2/3 (1/3): already has its certificate from the new CA", Lines(), StringComparer.Ordinal);
        Assert.Contains("[local-2] certificate rotation, step 2/3 (2/3): already has its certificate from the new CA", Lines(), StringComparer.Ordinal);
        Assert.Equal(["restarted agent-local-0", "rejoined local-0"], _timeline);
        Assert.DoesNotContain(Authorities(), a => a.Thumbprint == oldCa.Thumbprint);
        Assert.Single(Authorities());
    }

    public void Dispose() => _home.Dispose();

    private static UpOptions Options(bool rotate = false, int joinSeconds = 20) => new() { JoinTimeout = TimeSpan.FromSeconds(joinSeconds), RotateCertificates = rotate };

    private IEnumerable<string> Lines() => _progress.Events.Select(e => e.Host is null ? e.Message : $"[{e.Host}] {e.Message}");

    private X509Certificate2[] Authorities() => ClusterTrustBundle.Parse(File.ReadAllText(Files.AuthorityCertificate));

    private X509Certificate2 Client() => X509Certificate2.CreateFromPemFile(Files.Certificate(ClusterTlsFiles.ClientIdentity), Files.Key(ClusterTlsFiles.ClientIdentity));

    // Each running agent is a silo named by its pid: joining for two reads after it started, then alive.
    private List<NodeMembership> Members()
    {
        _reads++;
        _timeline.AddRange(_processes.Log.Skip(_synced).Where(e => e.StartsWith("restarted", StringComparison.Ordinal)));
        _synced = _processes.Log.Count;
        var members = new List<NodeMembership>();
        for (var i = 0; i < Nodes; i++)
        {
            var node = LocalLayout.NodeName(i);
            if (!_processes.Running.TryGetValue(LocalRuntime.AgentProcess(i), out var p))
            {
                continue;
            }

            var newcomer = !_firstSeen.ContainsKey(p.Pid);
            var seen = newcomer ? _firstSeen[p.Pid] = _reads : _firstSeen[p.Pid];
            var alive = _reads - seen >= 2 && !(node == _stuck && seen > _stuckAfter);
            if (alive && _reads - seen == 2 && _processes.Log.Contains($"restarted {LocalRuntime.AgentProcess(i)}"))
            {
                _timeline.Add($"rejoined {node}");
            }

            members.Add(new NodeMembership(node, i == 0, alive ? "alive" : "joining", string.Create(CultureInfo.InvariantCulture, $"S127.0.0.1:{11111 + i}:{p.Pid}"), "127.0.0.1"));
        }

        return members;
    }
}
