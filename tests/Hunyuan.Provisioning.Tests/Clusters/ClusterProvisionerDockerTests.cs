using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Clusters;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Shells;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Provisioning.Tests.Clusters;

/// <summary>
/// The whole of `up` and `down` for the docker runtime, on two "hosts" that are this machine with homes of their own
/// and a fake `docker` each (<see cref="FakeDocker"/>): the exact docker commands, the mesh inside the containers,
/// Redis in its own container, the agent started inside the container, reuse on a second run. The agent bundle is a
/// stand-in: its `dotnet` is a shell script that records its arguments and waits, since what is checked here is how
/// hyc starts it, not the agent (the namespace end-to-end test runs real agents).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ClusterProvisionerDockerTests : IDisposable
{
    private const string Container = "hunyuanLLM_infer";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hyc-prov-docker-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, (FakeDocker Docker, string Home)> _hosts = [];

    public ClusterProvisionerDockerTests()
    {
        Directory.CreateDirectory(_dir);
        foreach (var address in new[] { "127.0.0.1", "127.0.0.2" })
        {
            var home = Path.Combine(_dir, "home-" + address);
            Directory.CreateDirectory(home);
            _hosts[address] = (new FakeDocker(Path.Combine(_dir, "docker-" + address), $"ssh-ed25519 {Convert.ToBase64String(ClusterKey.Generate("c").PublicBlob())} root@container"), home);
        }
    }

    [Fact]
    public async Task UpRunsTheContainersRedisAndAgentsInsideThenReusesThemAndDownRemovesThem()
    {
        var sshPort = TestPorts.One();
        var inventory = InventoryParser.Parse($$"""
            cluster: dock
            ssh:
              identity_file: /dev/null
            runtime:
              kind: docker
              ssh_port: {{sshPort}}
            hosts:
              - address: 127.0.0.1
                virtual_gpus: {count: 2, memory: 1GiB}
              - address: 127.0.0.2
                interface: 127.0.0.12
                virtual_gpus: {count: 2, memory: 1GiB}
            """, "hosts.yaml");
        var options = new ProvisionOptions { SiloPort = TestPorts.One(), GatewayPort = TestPorts.One(), RedisPort = TestPorts.One(), MinFreeDiskBytes = 1 << 20 };
        var bundle = FakeBundle();
        var key = ClusterKey.Generate("hyc-cluster-dock");
        var provisioner = new ClusterProvisioner(inventory, options, new Connector(_hosts), (_, _) => { });

        var first = await provisioner.UpAsync(bundle, key);
        Assert.True(first.AllOk, string.Join("; ", first.Hosts.Select(h => h.Error)));
        Assert.All(first.Hosts, h => Assert.Equal("started", h.Agent));

        var (headDocker, headHome) = _hosts["127.0.0.1"];
        var calls = headDocker.Calls();
        Assert.Contains("pull -q hunyuaninfer/hunyuan-large:infer-open-source", calls);
        Assert.True(Array.IndexOf(calls, "pull -q hunyuaninfer/hunyuan-large:infer-open-source") < Array.FindIndex(calls, c => c.StartsWith("run ", StringComparison.Ordinal)), "pulled before the run");
        var run = Assert.Single(calls, c => c.StartsWith($"run -d --name {Container} ", StringComparison.Ordinal));
        Assert.Matches($"^run -d --name {Container} --label hyc.flags=[0-9a-f]{{16}} --net=host --ipc=host --shm-size 64g -v {headHome}/.hyc:/hyc-home -e HYC_HOME=/hyc-home hunyuaninfer/hunyuan-large:infer-open-source sh -c set -e; mkdir -p /run/sshd; ", run);

        // The container's sshd config (the rest of that call's lines): the mesh port of the host's address, keys only.
        Assert.Contains($"Port {sshPort}", calls);
        Assert.Contains("ListenAddress 127.0.0.1", calls);
        Assert.Contains("ListenAddress 127.0.0.2", _hosts["127.0.0.2"].Docker.Calls()); // the listed address, where the mesh's ssh config points
        Assert.Contains("PasswordAuthentication no", calls);
        var redis = Assert.Single(calls, c => c.StartsWith("run -d --name hyc-redis-dock ", StringComparison.Ordinal));
        Assert.Matches($"^run -d --name hyc-redis-dock --label hyc.spec=[0-9a-f]{{16}} --net=host --restart unless-stopped --entrypoint redis-server --user [0-9]+:[0-9]+ -v {headHome}/.hyc/clusters/dock/redis.conf:/etc/hyc-redis.conf:ro -v {headHome}/.hyc/clusters/dock/redis-data:/data redis:7.2 /etc/hyc-redis.conf$", redis);
        Assert.Contains("run --rm --entrypoint redis-server redis:7.2 --version", calls);
        Assert.DoesNotContain(_hosts["127.0.0.2"].Docker.Calls(), c => c.Contains("hyc-redis", StringComparison.Ordinal));

        // Redis's config: bound to the head, append-only, the agents' user with the password's hash only (0600); the
        // password itself only in the password files, the user name beside it.
        var config = File.ReadAllText(Path.Combine(headHome, ".hyc/clusters/dock/redis.conf"));
        var password = File.ReadAllText(Path.Combine(headHome, ".hyc/clusters/dock/redis.password")).Trim();
        Assert.StartsWith($"bind 127.0.0.1\nport {options.RedisPort}\n", config, StringComparison.Ordinal);
        Assert.Contains("dir \"/data\"\nsave \"\"\nappendonly yes\n", config, StringComparison.Ordinal);
        Assert.Contains("user default off ", config, StringComparison.Ordinal);
        Assert.Contains($"user hyc-agent on #{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password))).ToLowerInvariant()} ", config, StringComparison.Ordinal);
        Assert.DoesNotContain(password, config, StringComparison.Ordinal);
        Assert.All(_hosts.Values, h => Assert.Equal("hyc-agent", File.ReadAllText(Path.Combine(h.Home, ".hyc/clusters/dock/redis.user")).Trim()));
        Assert.All(_hosts.Values, h => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(h.Home, ".hyc/clusters/dock/redis.user"))));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(headHome, ".hyc/clusters/dock/redis.conf")));
        Assert.All(_hosts.Values, h => Assert.Equal(password, File.ReadAllText(Path.Combine(h.Home, ".hyc/clusters/dock/redis.password")).Trim()));
        Assert.All(_hosts.Values, h => Assert.DoesNotContain(h.Docker.Calls(), c => c.Contains(password, StringComparison.Ordinal)));

        // The mesh inside each container: the key 0600 in the container's home, authorized once, and known_hosts with
        // both containers' sshd keys on the mesh port.
        foreach (var (address, (docker, _)) in _hosts)
        {
            var containerSsh = Path.Combine(docker.ContainerHome(Container), ".ssh");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(containerSsh, "hyc_dock_ed25519")));
            Assert.Single(File.ReadAllLines(Path.Combine(containerSsh, "authorized_keys")), key.AuthorizedKeysLine);
            var known = File.ReadAllLines(Path.Combine(containerSsh, "hyc_dock_known_hosts"));
            Assert.Contains(known, l => l.StartsWith($"[127.0.0.1]:{sshPort} ssh-ed25519 ", StringComparison.Ordinal));
            Assert.Contains(known, l => l.StartsWith($"[127.0.0.2]:{sshPort} ssh-ed25519 ", StringComparison.Ordinal));

            // The agent runs inside the container from the bundle under HYC_HOME, reading the password from its file.
            var args = File.ReadAllText(Directory.EnumerateFiles(Path.Combine(_hosts[address].Home, ".hyc", "agents", bundle.Id), "args.*").Single());
            // 127.0.0.2's silo and gateway bind and advertise its interface address.
            var advertised = address == "127.0.0.2" ? "127.0.0.12" : address;
            Assert.Contains($"--node {address} --cluster-id dock --clustering redis --redis 127.0.0.1:{options.RedisPort} --address {advertised} --silo-port {options.SiloPort} --gateway-port {options.GatewayPort}", args, StringComparison.Ordinal);
            Assert.Contains($"--redis-password-file {_hosts[address].Home}/.hyc/clusters/dock/redis.password --redis-user-file {_hosts[address].Home}/.hyc/clusters/dock/redis.user", args, StringComparison.Ordinal);
            Assert.Equal(address == "127.0.0.1", args.Contains("--head", StringComparison.Ordinal));
            Assert.Contains(docker.Calls(), c => c.StartsWith($"exec {Container} sh -c ", StringComparison.Ordinal) && c.Contains("setsid nohup", StringComparison.Ordinal));
        }

        // Again: everything is reused, nothing started or written.
        foreach (var h in _hosts.Values)
        {
            h.Docker.ClearCalls();
        }

        var second = await provisioner.UpAsync(bundle, key);
        Assert.True(second.AllOk, string.Join("; ", second.Hosts.Select(h => h.Error)));
        Assert.False(second.AnyChange, string.Join("; ", second.Hosts.SelectMany(h => h.Changes)));
        Assert.All(second.Hosts, h => Assert.Equal("running", h.Agent));
        // (The head's preflight asks the Redis image its version, in a throwaway `run --rm`.)
        Assert.All(_hosts.Values, h => Assert.DoesNotContain(h.Docker.Calls(), c => (c.StartsWith("run ", StringComparison.Ordinal) && !c.StartsWith("run --rm ", StringComparison.Ordinal)) || c.StartsWith("rm ", StringComparison.Ordinal) || c.StartsWith("pull ", StringComparison.Ordinal)));

        var down = await new ClusterTeardown(inventory, options, new Connector(_hosts), (_, _) => { }).DownAsync(key, purge: false);
        Assert.All(down, h => Assert.True(h.Ok, h.Error));
        Assert.Contains("stopped the agent", down[0].Changes);
        Assert.Contains("stopped Redis", down[0].Changes);
        Assert.Contains($"removed container {Container}", down[1].Changes);
        Assert.Contains("rm -f hyc-redis-dock", headDocker.Calls());
        Assert.All(_hosts.Values, h => Assert.Contains($"rm -f {Container}", h.Docker.Calls()));
    }

    public void Dispose()
    {
        // The stand-in agents exit on SIGTERM (down sent it); any left over are stopped here.
        foreach (var h in _hosts.Values)
        {
            using var p = System.Diagnostics.Process.Start("pkill", ["-f", h.Home])!;
            p.WaitForExit(5000);
        }

        Directory.Delete(_dir, recursive: true);
    }

    private AgentBundle FakeBundle()
    {
        var app = Path.Combine(_dir, "bundle-app");
        var root = Path.Combine(_dir, "bundle-dotnet");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "hyc.dll"), "stand-in");
        foreach (var dir in new[] { "host/fxr/10.0.1", "shared/Microsoft.NETCore.App/10.0.1", "shared/Microsoft.AspNetCore.App/10.0.1" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
            File.WriteAllText(Path.Combine(root, dir, "placeholder"), dir);
        }

        var dotnet = Path.Combine(root, "dotnet");
        File.WriteAllText(dotnet, "#!/bin/sh\nprintf '%s ' \"$@\" > \"$(dirname \"$0\")/../args.$$\"\ntrap 'kill $c 2>/dev/null; exit 0' TERM\nsleep 300 & c=$!\nwait $c\n");
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return AgentBundle.From(app, root, "10.0.1");
    }

    private sealed class Connector(Dictionary<string, (FakeDocker Docker, string Home)> hosts) : IHostConnector
    {
        public Task<HostConnection> ConnectAsync(HostEntry host, CancellationToken cancellationToken) =>
            Task.FromResult(new HostConnection(new LocalShell(hosts[host.Address].Docker.Environment(hosts[host.Address].Home)), null, null));
    }
}
