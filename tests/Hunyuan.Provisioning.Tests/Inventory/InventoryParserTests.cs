using Hunyuan.Provisioning.Inventory;

namespace Hunyuan.Provisioning.Tests.Inventory;

public sealed class InventoryParserTests
{
    private static string RepoFile(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hunyuan.Cluster.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, name);
    }

    [Theory]
    [InlineData("hosts.example.yaml")]
    [InlineData("examples/hosts/bf16-2x8.yaml")]
    [InlineData("examples/hosts/fp8-1x8.yaml")]
    [InlineData("examples/hosts/int8-1x8.yaml")]
    public void TheShippedHostListsParse(string file)
    {
        var inv = InventoryParser.Load(RepoFile(file));
        Assert.Equal("10.0.0.1", inv.Head);
        Assert.Same(Hunyuan.Provisioning.Runtimes.HostRuntimeKind.Docker, inv.Runtime.Kind);
        Assert.False(inv.Runtime.Privileged);
        Assert.False(inv.Ssh.AcceptNewHostKeys);
    }

    [Fact]
    public void PerHostKeysOverrideTheSshDefaults()
    {
        var inv = InventoryParser.Load(RepoFile("hosts.example.yaml"));
        Assert.Equal(2, inv.Hosts.Count);
        Assert.Equal(("root", 22), (inv.Hosts[0].User, inv.Hosts[0].Port));
        Assert.Equal(("ubuntu", 2222), (inv.Hosts[1].User, inv.Hosts[1].Port));
        Assert.Equal(8, inv.Hosts[1].Gpus);
        Assert.Equal("hunyuan", inv.Cluster);
        Assert.Equal(36005, inv.Runtime.SshPort);
        Assert.Equal(["/data/models:/data/models:ro"], inv.Runtime.Volumes);
    }

    [Fact]
    public void VirtualGpusAreParsed()
    {
        var inv = InventoryParser.Parse("""
            ssh:
              password_env: HYC_SSH_PASSWORD
            runtime:
              kind: process
            hosts:
              - address: 10.211.0.2
                virtual_gpus: {count: 4, memory: 16GiB}
            """, "h.yaml");
        Assert.Equal(new VirtualGpus(4, 16L << 30), inv.Hosts[0].VirtualGpus);
        Assert.Equal("10.211.0.2", inv.Head);
    }

    [Fact]
    public void LibTorchDirIsOptionalAndKeptAsWritten()
    {
        const string Hosts = "hosts:\n  - address: 10.0.0.1\n";
        Assert.Null(InventoryParser.Parse("ssh:\n  identity_file: k\n" + Hosts, "h.yaml").Runtime.LibTorchDir);
        var inv = InventoryParser.Parse("ssh:\n  identity_file: k\nruntime:\n  kind: process\n  libtorch_dir: /opt/libtorch-2.10.0-cu128/lib\n" + Hosts, "h.yaml");
        Assert.Equal("/opt/libtorch-2.10.0-cu128/lib", inv.Runtime.LibTorchDir);
    }

    [Theory]
    [InlineData("hosts:\n  - address: 10.0.0.1\n    port: 99999\nssh:\n  identity_file: k\n", 3, "hosts[0].port")]
    [InlineData("ssh:\n  identity_file: k\n  acept_new_host_keys: true\nhosts:\n  - address: 10.0.0.1\n", 3, "ssh.acept_new_host_keys")]
    [InlineData("ssh:\n  identity_file: k\nruntime:\n  kind: podman\nhosts:\n  - address: 10.0.0.1\n", 4, "runtime.kind")]
    [InlineData("ssh:\n  identity_file: k\nhead: 10.0.0.9\nhosts:\n  - address: 10.0.0.1\n", 3, "head")]
    [InlineData("ssh:\n  identity_file: k\nhosts: []\n", 1, "hosts")]
    [InlineData("ssh:\n  password_env: \"hunter 2\"\nhosts:\n  - address: 10.0.0.1\n", 2, "ssh.password_env")]
    [InlineData("hosts:\n  - address: 10.0.0.1\n", 1, "ssh")]
    [InlineData("ssh:\n  identity_file: k\nhosts:\n  - address: 10.0.0.1\n  - address: 10.0.0.1\n", 5, "hosts")]
    [InlineData("ssh:\n  identity_file: k\nhosts:\n  - address: 10.0.0.1\n    gpus: 8\n    virtual_gpus: {count: 1, memory: 1GiB}\n", 6, "hosts[0].virtual_gpus")]
    [InlineData("ssh:\n  identity_file: k\nruntime:\n  volumes:\n    - /data:/data:ro\n    - models:/models\nhosts:\n  - address: 10.0.0.1\n", 6, "runtime.volumes[1]")]
    [InlineData("ssh:\n  identity_file: k\nruntime:\n  volumes: /data:/data\nhosts:\n  - address: 10.0.0.1\n", 4, "runtime.volumes")]
    [InlineData("ssh:\n  identity_file: k\nruntime:\n  libtorch_dir: opt/libtorch/lib\nhosts:\n  - address: 10.0.0.1\n", 4, "runtime.libtorch_dir")]
    [InlineData("ssh:\n  identity_file: k\nruntime:\n  libtorch_dir: ~/libtorch/lib\nhosts:\n  - address: 10.0.0.1\n", 4, "runtime.libtorch_dir")]
    [InlineData("ssh:\n  identity_file: k\nruntime:\n  libtorch_dir: /opt/lib torch\nhosts:\n  - address: 10.0.0.1\n", 4, "runtime.libtorch_dir")]
    [InlineData("ssh:\n  identity_file: k\nruntime:\n  libtorch_dir: [/opt/libtorch]\nhosts:\n  - address: 10.0.0.1\n", 4, "runtime.libtorch_dir")]
    [InlineData("ssh:\n  identity_file: k\nhosts:\n  - address: 10.0.0.1\n    user: \"root\\n    StrictHostKeyChecking no\"\n", 5, "hosts[0].user")]
    [InlineData("ssh:\n  identity_file: k\n  user: \"ubuntu ProxyCommand=sh\"\nhosts:\n  - address: 10.0.0.1\n", 3, "ssh.user")]
    [InlineData("ssh:\n  identity_file: k\nhosts:\n  - address: 10.0.0.1\n    user: -oProxyCommand\n", 5, "hosts[0].user")]
    [InlineData("ssh:\n  identity_file: k\nhosts:\n  - address: 10.0.0.1\n    interface: eth0\n", 5, "hosts[0].interface")]
    [InlineData("ssh:\n  identity_file: k\nhosts:\n  - address: 10.0.0.1\n    interface: 0.0.0.0\n", 5, "hosts[0].interface")]
    public void ErrorsNameTheLineAndKey(string yaml, int line, string key)
    {
        var ex = Assert.Throws<InventoryException>(() => InventoryParser.Parse(yaml, "hosts.yaml"));
        Assert.Equal(key, ex.Key);
        Assert.Equal(line, ex.Line);
        Assert.StartsWith($"hosts.yaml:{line}: '{key}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenYamlIsReportedWithItsLine()
    {
        var ex = Assert.Throws<InventoryException>(() => InventoryParser.Parse("hosts:\n  - address: [unclosed\n", "hosts.yaml"));
        Assert.Contains("not valid YAML", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AUserIsAPosixNameAndAListWithoutOneIsWarnedThatItRunsAsRoot()
    {
        var named = InventoryParser.Parse("ssh:\n  identity_file: k\n  user: hyc_ops\nhosts:\n  - address: 10.0.0.1\n  - address: 10.0.0.2\n    user: svc.gpu-1\n", "h.yaml");
        Assert.Equal(["hyc_ops", "svc.gpu-1"], named.Hosts.Select(h => h.User));
        Assert.Empty(named.Warnings);

        var unnamed = InventoryParser.Parse("ssh:\n  identity_file: k\nhosts:\n  - address: 10.0.0.1\n  - address: 10.0.0.2\n    user: ubuntu\n", "h.yaml");
        Assert.Equal(["root", "ubuntu"], unnamed.Hosts.Select(h => h.User));
        var warning = Assert.Single(unnamed.Warnings);
        Assert.StartsWith("h.yaml:4: host 10.0.0.1 has no 'user'", warning, StringComparison.Ordinal);
        Assert.Contains("runs its agent as root", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInterfaceIsTheHostsClusterAddress()
    {
        var inv = InventoryParser.Parse("ssh:\n  identity_file: k\n  user: u\nhosts:\n  - address: 10.0.0.1\n    interface: 192.168.7.1\n  - address: 10.0.0.2\n", "h.yaml");
        Assert.Equal(["192.168.7.1", null], inv.Hosts.Select(h => h.Interface));
    }
}
