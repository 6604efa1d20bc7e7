using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tests.Fakes;
using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cluster.Tests.Services;

/// <summary>The application layer's logic with a fake runtime and a fake control plane: no process, socket or SSH.</summary>
public sealed class ClusterServiceTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly FakeCluster _cluster = new();
    private readonly FakeEndpointProbe _probe = new();
    private readonly RecordingProgress _progress = new();
    private readonly FakeRuntime _runtime = new();

    private ClusterService Service => new(_home.Path, _cluster, _probe, new FakeModelResolver(), TimeProvider.System, _ => _runtime);

    private static UpOptions Quick => new() { JoinTimeout = TimeSpan.FromMilliseconds(800) };

    [Fact]
    public async Task UpWaitsForEveryAgentToJoinThenKeepsTheState()
    {
        _cluster.Alive("n0", "n1");

        var report = await Service.UpAsync(_runtime, Quick, _progress, default);

        Assert.True(report.Ok);
        Assert.True(report.Changed);
        Assert.All(report.Hosts, h => Assert.Equal("alive", h.State));
        Assert.Equal(["10.0.0.1:30000", "10.0.0.2:30000"], _cluster.Connections.Last().Gateways);
        var state = Service.Store("lab").Read()!;
        Assert.Equal(ClusterRuntimeKinds.SshProcess, state.Runtime);
        Assert.Equal(2, state.Hosts.Count);
        Assert.Contains("all 2 agent(s) joined", _progress.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgentThatNeverJoinsIsNamedAndTheStateStillWritten()
    {
        _cluster.Alive("n0");

        var report = await Service.UpAsync(_runtime, Quick, _progress, default);

        Assert.False(report.Ok);
        Assert.Equal("alive", report.Hosts[0].State);
        Assert.Equal("not joined", report.Hosts[1].State);
        Assert.NotNull(Service.Store("lab").Read());
    }

    [Fact]
    public async Task AFailedHostIsNotWaitedFor()
    {
        _runtime.Nodes["n1"] = "preflight failed: disk";
        _cluster.Alive("n0");

        var report = await Service.UpAsync(_runtime, Quick, _progress, default);

        Assert.False(report.Ok);
        Assert.Equal("failed", report.Hosts[1].State);
        Assert.Equal(["10.0.0.1:30000"], _cluster.Connections.Last().Gateways);
    }

    [Fact]
    public async Task ALocalClusterThatFailsItsFirstUpIsTakenDownAgain()
    {
        var local = new FakeRuntime(ClusterRuntimeKinds.Local, "local", rollsBack: true);
        local.Nodes["n1"] = "port 31112 on 127.0.0.1 is in use";
        _cluster.Alive("n0");

        var report = await new ClusterService(_home.Path, _cluster, _probe, new FakeModelResolver(), TimeProvider.System, _ => local).UpAsync(local, Quick, _progress, default);

        Assert.False(report.Ok);
        Assert.Equal(["up (new)", "down"], local.Calls);
    }

    [Fact]
    public async Task AHostListClusterThatFailsIsLeftForTheNextRunToContinue()
    {
        _runtime.Nodes["n1"] = "unreachable";
        _cluster.Alive("n0");

        await Service.UpAsync(_runtime, Quick, _progress, default);

        Assert.Equal(["up (new)"], _runtime.Calls);
    }

    [Fact]
    public async Task AClusterMadeByAnotherRuntimeIsRefused()
    {
        _cluster.Alive("n0", "n1");
        await Service.UpAsync(_runtime, Quick, _progress, default);

        var docker = new FakeRuntime(ClusterRuntimeKinds.SshDocker);
        var e = await Assert.ThrowsAsync<ClusterException>(() => Service.UpAsync(docker, Quick, _progress, default));

        Assert.Equal(ClusterFailure.InvalidArguments, e.Failure);
        Assert.Contains("made with the ssh-process runtime", e.Message, StringComparison.Ordinal);
        Assert.Empty(docker.Calls);
    }

    [Fact]
    public async Task AnUpOrDownHoldingTheLockKeepsOthersOut()
    {
        using var held = Service.Store("lab").TryLock();

        var up = await Assert.ThrowsAsync<ClusterException>(() => Service.UpAsync(_runtime, Quick, _progress, default));
        var down = await Assert.ThrowsAsync<ClusterException>(() => Service.DownAsync(_runtime, false, _progress, default));

        Assert.Equal(ClusterFailure.Busy, up.Failure);
        Assert.Equal(ClusterFailure.Busy, down.Failure);
        Assert.Empty(_runtime.Calls);
    }

    [Fact]
    public async Task DownRemovesTheStateOnlyWhenEveryHostStopped()
    {
        _cluster.Alive("n0", "n1");
        await Service.UpAsync(_runtime, Quick, _progress, default);

        var down = await Service.DownAsync(_runtime, purge: false, _progress, default);

        Assert.True(down.Ok);
        Assert.Contains(Service.Store("lab").StateFile, down.Removed);
        Assert.Null(Service.Store("lab").Read());
    }

    [Fact]
    public async Task DeployWaitsForReadyThenStartsTheEndpointWhereTheRuntimeSaysAndRecordsIt()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Loading), FakeCluster.Status("m", DeploymentState.Loading), FakeCluster.Status("m", DeploymentState.Ready, "canary passed"));

        var report = await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ServePort = 8100 }, _progress, default);

        Assert.Equal(DeployOutcome.Ready, report.Outcome);
        Assert.Equal("http://10.0.0.1:8100/v1", report.Endpoint);
        Assert.Contains("endpoint m:8100", _runtime.Calls);
        Assert.Equal(new Uri("http://10.0.0.1:8100"), Assert.Single(_probe.Probed));
        var endpoint = Assert.Single(Service.Store("lab").Read()!.Endpoints);
        Assert.Equal((8100, "serve-m"), (endpoint.Port, endpoint.Process));
        Assert.Equal("/models/m", Assert.Single(_cluster.Deployed).ModelPath);
    }

    [Fact]
    public async Task ABuiltInModelTravelsByName()
    {
        await UpAsync();
        _cluster.Script("tiny", FakeCluster.Status("tiny", DeploymentState.Ready));

        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "tiny", Serve = false }, _progress, default);

        Assert.Equal("tiny", Assert.Single(_cluster.Deployed).BuiltInModel);
    }

    [Fact]
    public async Task AFailedOrSlowDeploymentStartsNoEndpoint()
    {
        await UpAsync();
        _cluster.Script("bad", FakeCluster.Status("bad", DeploymentState.Failed, "no alive node reports any GPU"));
        _cluster.Script("slow", FakeCluster.Status("slow", DeploymentState.Loading));

        var failed = await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "bad" }, _progress, default);
        var slow = await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "slow", Timeout = TimeSpan.FromMilliseconds(600) }, _progress, default);

        Assert.Equal(DeployOutcome.Failed, failed.Outcome);
        Assert.Equal("no alive node reports any GPU", failed.Status.Reason);
        Assert.Equal(DeployOutcome.TimedOut, slow.Outcome);
        Assert.DoesNotContain(_runtime.Calls, c => c.StartsWith("endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpWithADeploymentAlreadyReadyLeavesItAlone()
    {
        await UpAsync();
        _cluster.Existing(FakeCluster.Status("m", DeploymentState.Ready, model: "/models/m"));

        var report = await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", KeepReady = true }, _progress, default);

        Assert.Equal(DeployOutcome.Ready, report.Outcome);
        Assert.Empty(_cluster.Deployed);
        Assert.Contains("already ready", _progress.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpStartsRecordedEndpointsAgainKeepingTheirKey()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Ready));
        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ServePort = 8100 }, _progress, default);
        _runtime.Calls.Clear();

        await Service.UpAsync(_runtime, Quick, _progress, default);

        Assert.Equal(["up (existing)", "endpoint m:8100 (heal)"], _runtime.Calls);
    }

    [Fact]
    public async Task DeployToAHostListClusterWithoutAKeyGeneratesOneKeptPrivateAndNeverPrinted()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Ready));

        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ServePort = 8100 }, _progress, default);

        var file = Service.Store("lab").ApiKeyFile;
        Assert.Equal(Path.Combine(_home.Path, "clusters", "lab", "api-key"), file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var key = File.ReadAllText(file).Trim();
        Assert.StartsWith("sk-hyc-", key, StringComparison.Ordinal);
        Assert.True(key.Length >= 40, key.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(file, Assert.Single(_runtime.EndpointRequests).ApiKeyFile);
        Assert.Equal(key, Assert.Single(_probe.Keys));
        Assert.Contains($"cat {file}", _progress.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, _progress.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, File.ReadAllText(Service.Store("lab").StateFile), StringComparison.Ordinal);

        // A second deploy keeps the key, so clients keep working; `up` restarting the endpoint hands it over again.
        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ServePort = 8100 }, _progress, default);
        Assert.Equal(key, File.ReadAllText(file).Trim());
        Assert.Equal(key, _probe.Keys[^1]);
        await Service.UpAsync(_runtime, Quick, _progress, default);
        Assert.Equal(file, _runtime.EndpointRequests[^1].ApiKeyFile);
        Assert.True(_runtime.EndpointRequests[^1].Heal);
    }

    [Fact]
    public async Task AGivenKeyOrALocalClusterGetsNoGeneratedKey()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Ready));
        Environment.SetEnvironmentVariable("HYC_TEST_DEPLOY_KEY", "sk-given");

        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ApiKeyEnv = "HYC_TEST_DEPLOY_KEY" }, _progress, default);

        Assert.False(File.Exists(Service.Store("lab").ApiKeyFile));
        Assert.Null(Assert.Single(_runtime.EndpointRequests).ApiKeyFile);
        Assert.Equal("sk-given", Assert.Single(_probe.Keys));

        var local = new FakeRuntime(ClusterRuntimeKinds.Local, "loc");
        var service = new ClusterService(_home.Path, _cluster, _probe, new FakeModelResolver(), TimeProvider.System, _ => local);
        await service.UpAsync(local, Quick, _progress, default);
        await service.DeployAsync(ClusterTarget.Named("loc"), new DeployRequest { Model = "m" }, _progress, default);
        Assert.False(File.Exists(service.Store("loc").ApiKeyFile));
        Assert.Null(_probe.Keys[^1]);
    }

    [Fact]
    public async Task HttpsServesWithTheClusterCaAndTheProbeTrustsIt()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Ready));

        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", Https = true }, _progress, default);

        Assert.True(Assert.Single(_runtime.EndpointRequests).Https);
        Assert.Equal(Path.Combine(_home.Path, "clusters", "lab", "tls", "ca.pem"), Assert.Single(_probe.Authorities));
    }

    [Fact]
    public async Task HttpsForALocalClusterIsRefused()
    {
        var local = new FakeRuntime(ClusterRuntimeKinds.Local, "loc");
        var service = new ClusterService(_home.Path, _cluster, _probe, new FakeModelResolver(), TimeProvider.System, _ => local);
        _cluster.Alive("n0", "n1");
        await service.UpAsync(local, Quick, _progress, default);

        var e = await Assert.ThrowsAsync<ClusterException>(() => service.DeployAsync(ClusterTarget.Named("loc"), new DeployRequest { Model = "m", Https = true }, _progress, default));

        Assert.Equal(ClusterFailure.InvalidArguments, e.Failure);
        Assert.Empty(_cluster.Deployed);
    }

    [Fact]
    public async Task AMissingApiKeyVariableIsRefusedBeforeAnythingIsDeployed()
    {
        await UpAsync();

        var e = await Assert.ThrowsAsync<ClusterException>(() => Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ApiKeyEnv = "HYC_TEST_SURELY_UNSET_VARIABLE" }, _progress, default));

        Assert.Equal(ClusterFailure.InvalidArguments, e.Failure);
        Assert.Empty(_cluster.Deployed);
    }

    [Fact]
    public async Task AnUnknownClusterOrAnUnreachableOneIsUnreachable()
    {
        var missing = await Assert.ThrowsAsync<ClusterException>(() => Service.StatusAsync(ClusterTarget.Named("nowhere"), TimeSpan.FromSeconds(1), default));
        Assert.Equal(ClusterFailure.Unreachable, missing.Failure);
        Assert.Contains("run `hyc up`, or pass --gateway", missing.Message, StringComparison.Ordinal);

        _cluster.Reachable = false;
        var health = await Service.HealthAsync(new ClusterTarget("x", ["127.0.0.1:1"]), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1), default);
        Assert.Equal("down", health.Status);
        Assert.Contains("127.0.0.1:1", health.Checks.Live.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusReadsNodesAndDeploymentsThroughTheGateways()
    {
        await UpAsync();
        _cluster.Existing(FakeCluster.Status("m", DeploymentState.Ready));

        var status = await Service.StatusAsync(ClusterTarget.Named("lab"), TimeSpan.FromSeconds(1), default);
        var health = await Service.HealthAsync(ClusterTarget.Named("lab"), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1), default);

        Assert.Equal(["n0", "n1"], status.Nodes.Select(n => n.Name));
        Assert.True(status.Nodes[0].IsHead);
        Assert.Equal("ready", Assert.Single(status.Deployments).State);
        Assert.Equal("healthy", health.Status);
    }

    [Fact]
    public async Task UndeployStopsTheEndpointFirstThenForgetsTheDeploymentAndItsRecordOnly()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Ready));
        _cluster.Script("other", FakeCluster.Status("other", DeploymentState.Ready));
        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ServePort = 8100 }, _progress, default);
        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "other", ServePort = 8200 }, _progress, default);
        bool? endpointRanAtRemoval = null;
        _cluster.Removing = name => endpointRanAtRemoval = _runtime.RunningEndpoints.Contains(name);

        var report = await Service.UndeployAsync(ClusterTarget.Named("lab"), "m", TimeSpan.FromSeconds(1), _progress, default);

        Assert.Equal(new UndeployReport("m", Removed: true, EndpointStopped: true), report);
        Assert.False(endpointRanAtRemoval);
        Assert.Equal(["m"], _cluster.Removed);
        Assert.Equal(["other"], _runtime.RunningEndpoints);
        Assert.Equal(["other"], Service.Store("lab").Read()!.Endpoints.Select(e => e.Deployment));
        var status = await Service.StatusAsync(ClusterTarget.Named("lab"), TimeSpan.FromSeconds(1), default);
        Assert.Equal(["other"], status.Deployments.Select(d => d.Name));
        Assert.Contains("stopped the endpoint m", _progress.Text, StringComparison.Ordinal);
        Assert.Contains("deployment m removed", _progress.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UndeployingAnUnknownNameListsTheClustersDeploymentsAndStopsNothing()
    {
        await UpAsync();
        _cluster.Existing(FakeCluster.Status("b", DeploymentState.Ready));
        _cluster.Existing(FakeCluster.Status("a", DeploymentState.Ready));

        var e = await Assert.ThrowsAsync<ClusterException>(() => Service.UndeployAsync(ClusterTarget.Named("lab"), "c", TimeSpan.FromSeconds(1), _progress, default));

        Assert.Equal(ClusterFailure.InvalidArguments, e.Failure);
        Assert.Equal("cluster 'lab' has no deployment 'c'; its deployments: a, b", e.Message);
        Assert.Empty(_cluster.Removed);
        Assert.DoesNotContain(_runtime.Calls, c => c.StartsWith("stop endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UndeployOfAnUnreachableClusterStopsNothing()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Ready));
        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ServePort = 8100 }, _progress, default);
        _cluster.Reachable = false;

        var e = await Assert.ThrowsAsync<ClusterException>(() => Service.UndeployAsync(ClusterTarget.Named("lab"), "m", TimeSpan.FromSeconds(1), _progress, default));

        Assert.Equal(ClusterFailure.Unreachable, e.Failure);
        Assert.Equal(["m"], _runtime.RunningEndpoints);
        Assert.Single(Service.Store("lab").Read()!.Endpoints);
    }

    [Fact]
    public async Task AnEndpointLeftBehindByAForgottenDeploymentIsStillStopped()
    {
        await UpAsync();
        _cluster.Script("m", FakeCluster.Status("m", DeploymentState.Ready));
        await Service.DeployAsync(ClusterTarget.Named("lab"), new DeployRequest { Model = "m", ServePort = 8100 }, _progress, default);
        await Service.UndeployAsync(ClusterTarget.Named("lab"), "m", TimeSpan.FromSeconds(1), _progress, default);
        var state = Service.Store("lab").Read()!;
        Service.Store("lab").Write(state with { Endpoints = [new EndpointRecord("m", "http://10.0.0.1:8100/v1", "serve-m")] });
        _runtime.RunningEndpoints.Add("m");

        var report = await Service.UndeployAsync(ClusterTarget.Named("lab"), "m", TimeSpan.FromSeconds(1), _progress, default);

        Assert.Equal(new UndeployReport("m", Removed: false, EndpointStopped: true), report);
        Assert.Empty(_runtime.RunningEndpoints);
        Assert.Empty(Service.Store("lab").Read()!.Endpoints);
    }

    public void Dispose() => _home.Dispose();

    private async Task UpAsync()
    {
        _cluster.Alive("n0", "n1");
        Assert.True((await Service.UpAsync(_runtime, Quick, _progress, default)).Ok);
    }
}
