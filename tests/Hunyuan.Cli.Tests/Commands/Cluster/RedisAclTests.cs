using System.Diagnostics;
using System.Net;
using Hunyuan.Grains.Hosting;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Redis;
using Hunyuan.Provisioning.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Hunyuan.Cli.Tests.Commands.Cluster;

/// <summary>
/// The Redis that `up` configures (<see cref="RedisServer.Config"/>), on a real redis-server of this test on a loopback
/// port: an Orleans silo joins through the agents' ACL user, with the user and password read from 0600 files as the
/// agents read them, and a grain writes, reads and clears its state through Orleans' Redis grain storage with the same
/// user; Redis's ACL LOG must then hold no refusal, so any command those providers need and the ACL lacks fails this
/// test. Then what must be refused is: a PING without credentials, and CONFIG, DEBUG, MODULE, SAVE, BGSAVE, FLUSHALL,
/// FLUSHDB, SHUTDOWN and ACL with the agents' credentials. A test-only admin user (the one line added to the config)
/// reads the ACL LOG and the keys.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RedisAclTests : IDisposable
{
    public const string StorageName = "acl-probe";
    private const string AdminUser = "hyc-test-admin";
    private static readonly int RedisPort = TestPorts.One();
    private static readonly int SiloPort = TestPorts.One();
    private static readonly int GatewayPort = TestPorts.One();
    private readonly TempDirectory _dir = new();
    private readonly string _password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
    private readonly string _adminPassword = Guid.NewGuid().ToString("N");
    private Process? _redis;
    private Task<string>? _redisLog;

    [Fact]
    public async Task OrleansClusteringAndGrainStorageWorkThroughTheAgentsUserAndEverythingElseIsRefused()
    {
        var data = _dir.File("data");
        Directory.CreateDirectory(data);
        var conf = _dir.File("redis.conf");
        File.WriteAllBytes(conf, [.. RedisServer.Config("127.0.0.1", RedisPort, _password, data), .. System.Text.Encoding.ASCII.GetBytes($"user {AdminUser} on >{_adminPassword} ~* &* +@all\n")]);
        _redis = Process.Start(new ProcessStartInfo("redis-server", [conf]) { RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("redis-server did not start (.ci/run installs it)");
        _redisLog = _redis.StandardOutput.ReadToEndAsync();
        using var admin = await AdminAsync();
        var db = admin.GetDatabase();
        Assert.Equal("yes", ((string?[])(await db.ExecuteAsync("CONFIG", "GET", "appendonly"))!)[1]);

        var passwordFile = SecretFile("redis.password", _password);
        var userFile = SecretFile("redis.user", RedisAcl.AgentUser);
        var redis = AgentHost.RedisConfiguration($"127.0.0.1:{RedisPort}", null, passwordFile, null, userFile);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            silo.AddRedisGrainStorage(StorageName, o => o.ConfigurationOptions = redis);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = "acl-test";
                o.ServiceId = "hyc";
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, SiloPort, GatewayPort, listenOnAnyHostAddress: false);
        });
        using (var host = builder.Build())
        {
            using var start = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.StartAsync(start.Token);
            var members = await db.HashGetAllAsync("hyc/members/acl-test");
            // The silo wrote itself into the membership table as active (status 3) through the agents' user.
            Assert.Contains(members, m => m.Name.ToString().Contains($"127.0.0.1:{SiloPort}:", StringComparison.Ordinal) && m.Value.ToString().Contains("\"Status\":3", StringComparison.Ordinal));

            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IAclProbeGrain>("probe");
            await grain.WriteAsync("written through the agents' user");
            await grain.ReloadAsync();
            Assert.Equal("written through the agents' user", await grain.ReadAsync());
            var stateKey = Assert.Single(admin.GetServer($"127.0.0.1:{RedisPort}").Keys(pattern: "hyc/state/*"));
            Assert.False((await db.HashGetAsync(stateKey, "data")).IsNullOrEmpty);
            await grain.ClearAsync();
            await host.StopAsync(TimeSpan.FromSeconds(30));
        }

        var refusals = await AclLogAsync(db);
        Assert.True(refusals.Count == 0, "the ACL refused Orleans: " + string.Join("; ", refusals));

        var anonymous = RedisCli(null, "PING");
        Assert.Contains("NOAUTH", anonymous, StringComparison.Ordinal);
        Assert.DoesNotContain("PONG", anonymous, StringComparison.Ordinal);
        Assert.Contains("PONG", RedisCli(RedisAcl.AgentUser, "PING"), StringComparison.Ordinal);
        string[][] forbidden =
        [
            ["CONFIG", "GET", "dir"], ["CONFIG", "SET", "dir", "/tmp"], ["DEBUG", "SLEEP", "0"], ["MODULE", "LIST"], ["SAVE"], ["BGSAVE"],
            ["FLUSHALL"], ["FLUSHDB"], ["SHUTDOWN", "NOSAVE"], ["ACL", "WHOAMI"], ["KEYS", "*"], ["SET", "elsewhere", "x"],
        ];
        foreach (var command in forbidden)
        {
            // DEBUG and MODULE are off for everyone (enable-*-command no), which Redis checks before the ACL.
            var output = RedisCli(RedisAcl.AgentUser, command);
            Assert.True(output.Contains("NOPERM", StringComparison.Ordinal) || output.Contains("command not allowed", StringComparison.Ordinal), $"{string.Join(' ', command)} with the agents' credentials: {output}");
        }

        // The refusals are Redis's ACL at work (logged as such), and Redis is still up after SHUTDOWN was tried.
        var logged = await AclLogAsync(db);
        Assert.Contains(logged, l => l.Contains("config", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(logged, l => l.Contains("flushall", StringComparison.OrdinalIgnoreCase));
        Assert.False(_redis.HasExited);
    }

    public void Dispose()
    {
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit(5000);
        }

        _redis?.Dispose();
        _dir.Dispose();
    }

    private string SecretFile(string name, string value)
    {
        var path = _dir.File(name);
        File.WriteAllText(path, value + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private async Task<ConnectionMultiplexer> AdminAsync()
    {
        var options = new ConfigurationOptions { EndPoints = { $"127.0.0.1:{RedisPort}" }, User = AdminUser, Password = _adminPassword, AllowAdmin = true, AbortOnConnectFail = false };
        for (var attempt = 0; attempt < 50 && !_redis!.HasExited; attempt++)
        {
            var muxer = await ConnectionMultiplexer.ConnectAsync(options);
            if (muxer.IsConnected)
            {
                return muxer;
            }

            muxer.Dispose();
            await Task.Delay(100);
        }

        throw new InvalidOperationException($"redis-server on port {RedisPort} did not answer: {(_redis!.HasExited ? await _redisLog! : "still running")}");
    }

    /// <summary>Each ACL LOG entry as "reason object username".</summary>
    private static async Task<List<string>> AclLogAsync(IDatabase db)
    {
        var entries = (RedisResult[])(await db.ExecuteAsync("ACL", "LOG"))!;
        return entries.Select(e =>
        {
            var fields = e.ToDictionary();
            return $"{fields["reason"]} {fields["object"]} {fields["username"]}";
        }).ToList();
    }

    /// <summary>redis-cli as the user (null: no credentials), the password in REDISCLI_AUTH rather than its arguments.</summary>
    private string RedisCli(string? user, params string[] command)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-h", "127.0.0.1", "-p", $"{RedisPort}", .. user is null ? [] : new[] { "--user", user }, .. command])
        {
            psi.ArgumentList.Add(a);
        }

        if (user is not null)
        {
            psi.Environment["REDISCLI_AUTH"] = _password;
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(10_000))
        {
            p.Kill();
            return "timed out";
        }

        return stdout.Result + stderr.Result;
    }
}
