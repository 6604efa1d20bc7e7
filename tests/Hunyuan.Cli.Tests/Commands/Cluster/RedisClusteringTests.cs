using System.Diagnostics;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Model.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Cluster;

/// <summary>
/// Real clusters keep membership in Redis, with a password: a real redis-server (installed by .ci/run) on a loopback
/// port of this test, two agents joining through it, a client finding them through it, and the password nowhere in
/// argv or logs. Its ports come from <see cref="TestPorts"/>.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class RedisClusteringTests : IDisposable
{
    private static readonly int RedisPort = TestPorts.One();
    private static readonly int Base = TestPorts.Base(TestPorts.LocalCluster(2));
    private readonly TempDirectory _dir = new();
    private readonly List<AgentProcess> _agents = [];
    private Process? _redis;

    [Fact]
    public async Task AgentsFormAClusterThroughRedisWithAPasswordAndARestartedHeadFindsItsDeployments()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var conf = _dir.File("redis.conf");
        File.WriteAllText(conf, $"port {RedisPort}\nbind 127.0.0.1\nsave \"\"\nappendonly no\nrequirepass {password}\n");
        _redis = Process.Start(new ProcessStartInfo("redis-server", [conf]) { RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("redis-server did not start (.ci/run installs it)");
        _ = _redis.StandardOutput.ReadToEndAsync();

        var env = new Dictionary<string, string> { ["HYC_TEST_REDIS_PASSWORD"] = password };
        string[] redis = ["--clustering", "redis", "--redis", $"127.0.0.1:{RedisPort}", "--redis-password-env", "HYC_TEST_REDIS_PASSWORD", "--cluster-id", "redis-test"];
        _agents.Add(AgentProcess.Start("r0", head: true, Base, Base + 20000, Base, 1, _dir.Path, redis, env));
        // The second agent reads the password from a 0600 file instead, as `up` will start remote agents.
        var passwordFile = _dir.File("redis-password");
        File.WriteAllText(passwordFile, password);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string[] redisFile = ["--clustering", "redis", "--redis", $"127.0.0.1:{RedisPort}", "--redis-password-file", passwordFile, "--cluster-id", "redis-test"];
        _agents.Add(AgentProcess.Start("r1", head: false, Base + 1, Base + 20001, Base, 1, _dir.Path, redisFile));

        Environment.SetEnvironmentVariable("HYC_TEST_REDIS_PASSWORD", password);
        var connection = new ClusterConnection("redis-test", "hyc", [], $"127.0.0.1:{RedisPort}", "HYC_TEST_REDIS_PASSWORD");
        var sw = Stopwatch.StartNew();
        IReadOnlyList<NodeMembership> nodes = [];
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var host = await connection.ConnectAsync(TimeSpan.FromSeconds(10));
                nodes = await ClusterMembership.ReadAsync(host.Services.GetRequiredService<IClusterClient>());
                if (nodes.Count(n => n.State == "alive") == 2)
                {
                    break;
                }
            }
            catch (ClusterUnreachableException)
            {
            }

            await Task.Delay(500);
        }

        Assert.True(nodes.Count(n => n.State == "alive") == 2, $"nodes: {string.Join(", ", nodes.Select(n => $"{n.Name}={n.State}"))}{Logs()}");
        Assert.Contains(nodes, n => n.Name == "r0" && n.IsHead);
        foreach (var a in _agents)
        {
            Assert.DoesNotContain(password, File.ReadAllText($"/proc/{a.Pid}/cmdline"), StringComparison.Ordinal);
            Assert.DoesNotContain(password, a.Log, StringComparison.Ordinal);
        }

        var wrong = new ClusterConnection("redis-test", "hyc", [], $"127.0.0.1:{RedisPort}", "HYC_TEST_REDIS_UNSET_VARIABLE");
        await Assert.ThrowsAsync<ClusterUnreachableException>(() => wrong.ConnectAsync(TimeSpan.FromSeconds(5)));

        // The deployment's desired state lives in Redis: deploy A across both agents, restart the head agent, and the
        // deployment comes back to ready by itself with A's ids; then deploy B under the same name: B's ids, not A's
        // (a unique epoch per deploy, so the surviving rank reloads).
        using var modelA = new Golden(Fixtures.Path("tiny-moe"));
        await DeployAsync(connection, Fixtures.Path("tiny-moe"));
        Assert.Equal(modelA.GreedyIds, await GenerateAsync(connection, modelA.InputIds, modelA.GreedyIds.Length));

        _agents[0].Kill();
        _agents[0] = AgentProcess.Start("r0", head: true, Base, Base + 20000, Base, 1, _dir.Path, redis, env);
        await WaitReadyAsync(connection, "after the head agent restarted, with no deploy");
        Assert.Equal(modelA.GreedyIds, await GenerateAsync(connection, modelA.InputIds, modelA.GreedyIds.Length));

        _agents[0].Kill();
        _agents[0] = AgentProcess.Start("r0", head: true, Base, Base + 20000, Base, 1, _dir.Path, redis, env);
        await WaitReadyAsync(connection, "after the head agent restarted a second time");
        using var modelB = new Golden(Fixtures.Path("tiny-moe-bf16-sharded"));
        await DeployAsync(connection, Fixtures.Path("tiny-moe-bf16-sharded"));
        Assert.Equal(modelB.GreedyIds, await GenerateAsync(connection, modelB.InputIds, modelB.GreedyIds.Length));
    }

    private async Task DeployAsync(ClusterConnection connection, string model)
    {
        using var host = await connection.ConnectAsync(TimeSpan.FromSeconds(20));
        var status = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IDeploymentGrain>("t")
            .DeployAsync(new DeploymentSpec("t", model, "bf16", "float32", 1, 2, "ep"));
        Assert.True(status.State != DeploymentState.Failed, $"{status.Reason}{Logs()}");
        await WaitReadyAsync(connection, $"after deploying {Path.GetFileName(model)}");
    }

    private static async Task<long[]> GenerateAsync(ClusterConnection connection, long[] prompt, int tokens)
    {
        using var host = await connection.ConnectAsync(TimeSpan.FromSeconds(20));
        return await host.Services.GetRequiredService<IClusterClient>().GetGrain<IDeploymentGrain>("t").GenerateAsync(prompt, tokens);
    }

    private async Task WaitReadyAsync(ClusterConnection connection, string when)
    {
        var sw = Stopwatch.StartNew();
        var last = "(no answer)";
        while (sw.Elapsed < TimeSpan.FromSeconds(120))
        {
            try
            {
                using var host = await connection.ConnectAsync(TimeSpan.FromSeconds(10));
                var status = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IDeploymentGrain>("t").GetStatusAsync();
                last = status is null ? "(none)" : $"{status.State}: {status.Reason}";
                if (status?.State == DeploymentState.Ready)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is ClusterUnreachableException or OrleansException or TimeoutException)
            {
                last = ex.Message;
            }

            await Task.Delay(1000);
        }

        Assert.Fail($"deployment t not ready within 120 s {when}; last: {last}{Logs()}");
    }

    public void Dispose()
    {
        foreach (var a in _agents)
        {
            a.Dispose();
        }

        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit(5000);
        }

        _redis?.Dispose();
        _dir.Dispose();
    }

    private string Logs() => string.Concat(_agents.Select(a => $"\n--- agent {a.Node} ---\n{a.Log}"));
}
