using System.Net;
using System.Net.Sockets;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Tests.Ssh;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Provision;

/// <summary>
/// `hyc preflight` as a process against a real sshd on loopback, with its own HYC_HOME, login key and ports (all from
/// <see cref="TestPorts"/>) so nothing of the machine's is read or changed.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class PreflightCommandTests : IDisposable
{
    private static readonly int SshPort = TestPorts.One();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hyc-preflight-" + Guid.NewGuid().ToString("N"));

    public PreflightCommandTests() => Directory.CreateDirectory(_dir);

    private Dictionary<string, string> Env => new() { ["HYC_HOME"] = Path.Combine(_dir, "home") };

    private static readonly int RedisPort = TestPorts.One();
    private static readonly string[] Ports = ["--silo-port", Str(TestPorts.One()), "--gateway-port", Str(TestPorts.One()), "--redis-port", Str(RedisPort), "--endpoint-port", Str(TestPorts.One()), "--min-free-disk", "1MiB", "--connect-timeout", "10"];

    [SkippableFact]
    public async Task NewHostKeysNeedConsentThenTheHostPassesAndABusyPortIsNamed()
    {
        var why = LoopbackSshd.WhyNot();
        Skip.If(why is not null, why);
        var login = ClusterKey.Generate("hyc@preflight");
        var hostKey = ClusterKey.Generate("host");
        var keyFile = Path.Combine(_dir, "id_ed25519");
        File.WriteAllText(keyFile, login.ToOpenSsh());
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var hosts = Path.Combine(_dir, "hosts.yaml");
        File.WriteAllText(hosts, $"""
            cluster: pf
            ssh:
              user: {Environment.UserName}
              port: {SshPort}
              identity_file: {keyFile}
            runtime:
              kind: process
            hosts:
              - address: 127.0.0.1
                virtual_gpus: {"{"}count: 2, memory: 4GiB{"}"}
            """);
        using var sshd = new LoopbackSshd(SshPort, hostKey, login);
        var knownHosts = Path.Combine(_dir, "home", "clusters", "pf", "known_hosts");

        var refused = await Run(hosts);
        Assert.True(refused.ExitCode == 11, refused.ToString());
        Assert.Contains("unknown host key " + hostKey.Fingerprint, refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(knownHosts));

        var accepted = await Run([hosts, "--accept-new-host-keys", "--json"]);
        Assert.True(accepted.ExitCode == 0, accepted.ToString());
        var json = accepted.Json();
        Assert.True(json.GetProperty("ok").GetBoolean());
        var host = json.GetProperty("hosts")[0];
        Assert.Equal("head", host.GetProperty("role").GetString());
        Assert.Equal(hostKey.Fingerprint, host.GetProperty("host_key").GetString());
        Assert.Equal(["os", "disk", "gpus", "libraries", "redis", "ports"], host.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        // The head's Redis (this machine's redis-server, for the process runtime) is 7 or later.
        Assert.StartsWith("Redis server v=", host.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis").GetProperty("detail").GetString(), StringComparison.Ordinal);
        // So are the libraries the agent needs beside what its bundle carries (this machine's glibc, libstdc++, OpenSSL).
        Assert.True(host.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "libraries").GetProperty("ok").GetBoolean(), accepted.ToString());
        Assert.Single(File.ReadAllLines(knownHosts));

        // Recorded now: no flag needed. A port the head must offer is held, and the report says which.
        using var listener = new TcpListener(IPAddress.Loopback, RedisPort);
        listener.Start();
        var busy = await Run(hosts);
        Assert.True(busy.ExitCode == 11, busy.ToString());
        Assert.Contains("FAIL ports", busy.Stderr, StringComparison.Ordinal);
        Assert.Contains($"already in use: {RedisPort}", busy.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadHostListNamesTheLineAndKey()
    {
        var hosts = Path.Combine(_dir, "hosts.yaml");
        File.WriteAllText(hosts, "cluster: pf\nhosts:\n  - address: 127.0.0.1\n    port: seventy\n");
        var r = await Run(hosts);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"{hosts}:4:", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("port", r.Stderr, StringComparison.Ordinal);
    }

    private Task<HycResult> Run(params string[] args) => HycRunner.AsProcess(Env, TimeSpan.FromSeconds(90), ["preflight", .. args, .. Ports]);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Str(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
