using System.Diagnostics;
using System.Globalization;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Model.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Cluster;

/// <summary>
/// Two real agent processes (silos) on loopback: `hyc deploy` of a fixture as TP2 x PP2 across them gives the
/// reference's greedy ids; killing the second node shows it dead and the deployment degraded within the
/// failure-detection bound (15 s); restarting it brings the deployment back to ready on its own.
/// Its ports come from <see cref="TestPorts"/>.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class ClusterEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private static readonly int Base = TestPorts.Base(TestPorts.LocalCluster(2));
    private static readonly int SiloPort0 = Base, SiloPort1 = Base + 1, Gateway0 = Base + 20000, Gateway1 = Base + 20001;
    private static readonly TimeSpan FailureDetectionBound = TimeSpan.FromSeconds(15);
    private readonly TempDirectory _home = new();
    private readonly List<AgentProcess> _agents = [];

    [Fact]
    public async Task DeployAcrossTwoSilosSurvivesLosingANode()
    {
        var gateway = $"127.0.0.1:{Gateway0}";
        _agents.Add(AgentProcess.Start("n0", head: true, SiloPort0, Gateway0, SiloPort0, 2, _home.Path));
        _agents.Add(AgentProcess.Start("n1", head: false, SiloPort1, Gateway1, SiloPort0, 2, _home.Path));
        await WaitFor("both nodes alive", TimeSpan.FromSeconds(60), async () => NodeStates(await Status(gateway)) == "n0=alive,n1=alive");

        // Deploy through the CLI, as a user does.
        var fixture = Fixtures.Path("tiny-moe");
        var deploy = await HycRunner.InProcess("deploy", fixture, "--name", "t", "--dtype", "float32", "--tp", "2", "--pp", "2", "--gateway", gateway, "--timeout", "120", "--json", "--no-serve");
        Assert.True(deploy.ExitCode == ExitCodes.Success, deploy + Logs());
        var ranks = deploy.Json().GetProperty("ranks").EnumerateArray().ToList();
        Assert.Equal(["n0", "n0", "n1", "n1"], ranks.Select(r => r.GetProperty("node").GetString()));

        // Same greedy ids as the reference (and as one process).
        using var golden = new Golden(fixture);
        Assert.Equal(golden.GreedyIds, await Generate(gateway, golden.InputIds, golden.GreedyIds.Length));

        var status = await Status(gateway);
        Assert.Equal("ready", DeploymentState(status));
        var node0 = status.GetProperty("nodes")[0];
        Assert.Equal(2, node0.GetProperty("gpus").GetArrayLength());
        Assert.Equal(4L << 30, node0.GetProperty("gpus")[0].GetProperty("memory_total_bytes").GetInt64());
        foreach (var key in new[] { "name", "address", "state" })
        {
            Assert.True(node0.TryGetProperty(key, out _), key);
        }

        // The slow path: one TP group of 4 over both nodes, its all-reduces through the rank grains' mailboxes.
        var wide = await HycRunner.InProcess("deploy", fixture, "--name", "wide", "--dtype", "float32", "--tp", "4", "--pp", "1", "--gateway", gateway, "--timeout", "120", "--no-serve");
        Assert.True(wide.ExitCode == ExitCodes.Success, wide + Logs());
        using (var host = await new ClusterConnection("hunyuan", "hyc", [gateway]).ConnectAsync(TimeSpan.FromSeconds(20)))
        {
            var wideGrain = host.Services.GetRequiredService<IClusterClient>().GetGrain<IDeploymentGrain>("wide");
            Assert.Equal(golden.GreedyIds, await wideGrain.GenerateAsync(golden.InputIds, golden.GreedyIds.Length));
            await wideGrain.RemoveAsync();
        }

        // A deployment that cannot be placed fails at once, with the reason.
        var sw0 = Stopwatch.StartNew();
        var tooBig = await HycRunner.InProcess("deploy", fixture, "--name", "too-big", "--tp", "4", "--pp", "2", "--gateway", gateway);
        Assert.Equal(ExitCodes.DeployFailed, tooBig.ExitCode);
        Assert.Contains("needs 8 GPUs; the inventory has 4", tooBig.Stderr, StringComparison.Ordinal);
        Assert.True(sw0.Elapsed < TimeSpan.FromSeconds(10), $"refusal took {sw0.Elapsed}");

        var health = await HycRunner.InProcess("health", "--gateway", gateway, "--json");
        Assert.True(health.ExitCode == ExitCodes.Success, health.ToString());

        // Lose node n1.
        _agents[1].Kill();
        var sw = Stopwatch.StartNew();
        await WaitFor("n1 dead and the deployment degraded", FailureDetectionBound, async () =>
        {
            var s = await Status(gateway);
            return NodeStates(s) == "n0=alive,n1=dead" && DeploymentState(s) == "degraded";
        });
        output.WriteLine($"node loss visible in status after {sw.Elapsed.TotalSeconds:F1} s");
        var degraded = await HycRunner.InProcess("health", "--gateway", gateway);
        Assert.NotEqual(ExitCodes.Success, degraded.ExitCode);

        // Bring it back: the deployment recovers without a new deploy.
        _agents[1].Dispose();
        _agents[1] = AgentProcess.Start("n1", head: false, SiloPort1, Gateway1, SiloPort0, 2, _home.Path);
        sw.Restart();
        await WaitFor("the deployment ready again", TimeSpan.FromSeconds(90), async () =>
            DeploymentState(await Status(gateway)) == "ready");
        output.WriteLine($"recovered {sw.Elapsed.TotalSeconds:F1} s after the node restarted");
        Assert.Equal(golden.GreedyIds, await Generate(gateway, golden.InputIds, golden.GreedyIds.Length));
        Assert.Equal(ExitCodes.Success, (await HycRunner.InProcess("health", "--gateway", gateway)).ExitCode);
    }

    public void Dispose()
    {
        foreach (var a in _agents)
        {
            a.Dispose();
        }

        _home.Dispose();
    }

    private string _lastStatus = "";

    private async Task<System.Text.Json.JsonElement> Status(string gateway)
    {
        var r = await HycRunner.InProcess("status", "--gateway", gateway, "--json", "--connect-timeout", "10");
        _lastStatus = r.ToString();
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        return r.Json();
    }

    private static string DeploymentState(System.Text.Json.JsonElement status) =>
        status.GetProperty("deployments").EnumerateArray().FirstOrDefault(d => d.GetProperty("name").GetString() == "t") is { ValueKind: System.Text.Json.JsonValueKind.Object } d
            ? d.GetProperty("state").GetString()!
            : "(missing)";

    private static string NodeStates(System.Text.Json.JsonElement status) => string.Join(",",
        status.GetProperty("nodes").EnumerateArray().Select(n => $"{n.GetProperty("name").GetString()}={n.GetProperty("state").GetString()}"));

    private static async Task<long[]> Generate(string gateway, long[] prompt, int tokens)
    {
        using var host = await new ClusterConnection("hunyuan", "hyc", [gateway]).ConnectAsync(TimeSpan.FromSeconds(20));
        var client = host.Services.GetRequiredService<IClusterClient>();
        return await client.GetGrain<IDeploymentGrain>("t").GenerateAsync(prompt, tokens);
    }

    private async Task WaitFor(string what, TimeSpan limit, Func<Task<bool>> condition)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < limit)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
            }

            await Task.Delay(500);
        }

        Assert.Fail($"waited {limit.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s for {what}; last status: {_lastStatus}{Logs()}");
    }

    private string Logs() => string.Concat(_agents.Select(a => $"\n--- agent {a.Node} ---\n{a.Log}"));
}
