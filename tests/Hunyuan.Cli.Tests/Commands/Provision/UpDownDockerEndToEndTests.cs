using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Provision;

/// <summary>
/// `hyc up` with the docker runtime against real Docker engines: two lab hosts (<see cref="NetnsLab"/>), each with a
/// dockerd of its own that its user drives, and an image made offline from Debian's packages that has sshd and
/// redis-server but no libicu (<see cref="LabImage"/>). `up` creates the containers, meshes them, runs Redis and the
/// agents inside them (the agents on the bundle's own ICU, as the hosts' listed user rather than the image's root); a
/// second `up` reuses them; `down --purge` removes them.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class UpDownDockerEndToEndTests : IDisposable
{
    private const string Container = "hyc_lab_agent";
    private const int MeshPort = 36022;
    private readonly TempDirectory _home = new();

    private Dictionary<string, string> Env => new() { ["HYC_HOME"] = _home.Path };

    [SkippableFact]
    public async Task UpRunsTheAgentsInContainersOfARealEngineWithHardenedSshdAndDownRemovesThem()
    {
        var why = NetnsLab.WhyNotDocker();
        Skip.If(why is not null, why);
        using var lab = new NetnsLab(hosts: 2, docker: true);
        var hostsYaml = Path.Combine(lab.Directory, "hosts.yaml");
        File.WriteAllText(hostsYaml, $"""
            cluster: dlab
            ssh:
              identity_file: {lab.OperatorKeyFile}
            runtime:
              kind: docker
              image: {LabImage.Name}
              container_name: {Container}
              ssh_port: {MeshPort}
              shm_size: 256m
            hosts:
            {string.Join("\n", lab.Hosts.Select(h => $"  - address: {h.Address}\n    user: {h.User}\n    virtual_gpus: {{count: 1, memory: 2GiB}}"))}
            """);
        string[] common = ["--min-free-disk", "1GiB", "--timeout", "300", "--redis-image", LabImage.Name, "--json"];

        var up = await Hyc(["up", hostsYaml, "--accept-new-host-keys", .. common]);
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.True(up.Json().GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("state").GetString() == "alive"), up.ToString());
        var containerIds = lab.Hosts.Select(h => ContainerId(lab, h)).ToList();
        Assert.All(containerIds, id => Assert.Matches("^[0-9a-f]{12,}$", id));

        foreach (var h in lab.Hosts)
        {
            var docker = lab.DockerOf(h);

            // The agent runs inside the container, on the bundle's ICU: the image has none of its own.
            Assert.Contains("hyc.dll agent", docker.Docker("exec", Container, "ps", "-eo", "args").Output, StringComparison.Ordinal);
            var icu = docker.Docker("exec", Container, "sh", "-c", "ldconfig -p | grep -c libicuuc || true").Output.Trim();
            Assert.Equal("0", icu);

            // The agent (and its supervisor) runs as the listed user, not as the image's root; the container's sshd stays root.
            var uid = NetnsLab.Run("id", ["-u", h.User]).Output.Trim();
            Assert.NotEqual("0", uid);
            var agentOwners = OwnersInContainer(docker, "tr '\\0' ' ' < $p/cmdline | grep -q 'hyc.dll agent'");
            Assert.NotEmpty(agentOwners);
            Assert.All(agentOwners, owner => Assert.Equal(uid, owner));
            var sshdOwners = OwnersInContainer(docker, "[ \"$(cat $p/comm)\" = sshd ]");
            Assert.NotEmpty(sshdOwners);
            Assert.All(sshdOwners, owner => Assert.Equal("0", owner));

            // The container's sshd: its own host key, the host's address only, keys only, root by key only.
            var sshd = docker.Docker("exec", Container, "/usr/sbin/sshd", "-T", "-f", "/etc/ssh/sshd_config");
            Assert.True(sshd.Exit == 0, sshd.Output);
            var settings = sshd.Output.Split('\n', StringSplitOptions.TrimEntries);
            Assert.Contains($"listenaddress {h.Address}:{MeshPort}", settings);
            Assert.Contains("passwordauthentication no", settings);
            Assert.Contains("kbdinteractiveauthentication no", settings);
            Assert.Contains("permitrootlogin without-password", settings);
            Assert.Contains("hostkey /etc/ssh/ssh_host_ed25519_key", settings);
            Assert.Single(settings, l => l.StartsWith("hostkey ", StringComparison.Ordinal));
        }

        // Each container made a host key of its own.
        var fingerprints = lab.Hosts.Select(h => lab.DockerOf(h).Docker("exec", Container, "ssh-keygen", "-lf", "/etc/ssh/ssh_host_ed25519_key.pub").Output.Trim()).ToList();
        Assert.Equal(fingerprints.Count, fingerprints.Distinct().Count());

        // The mesh, inside the containers: a plain `ssh ADDRESS` from one reaches the other with no password or prompt.
        foreach (var from in lab.Hosts)
        {
            foreach (var to in lab.Hosts.Where(t => t != from))
            {
                var mesh = lab.DockerOf(from).Docker("exec", Container, "ssh", "-o", "BatchMode=yes", to.Address, "echo", $"mesh-{from.Index}-{to.Index}");
                Assert.True(mesh.Exit == 0, $"{from.Address} -> {to.Address}: {mesh.Output}");
                Assert.Equal($"mesh-{from.Index}-{to.Index}", mesh.Output.Trim());
            }
        }

        var status = await Hyc(["status", "--cluster", "dlab", "--json"]);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(lab.Hosts.Select(h => h.Address).Order(), status.Json().GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("state").GetString() == "alive").Select(n => n.GetProperty("name").GetString()).Order());

        var again = await Hyc(["up", hostsYaml, .. common]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.False(again.Json().GetProperty("changed").GetBoolean(), again.ToString());
        Assert.Equal(containerIds, lab.Hosts.Select(h => ContainerId(lab, h)));

        var purge = await Hyc(["down", hostsYaml, "--purge", "--json"]);
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.All(lab.Hosts, h => Assert.Equal("", lab.DockerOf(h).Docker("ps", "-aq").Output.Trim()));

        async Task<HycResult> Hyc(string[] args) => await HycRunner.InNamespace(lab.Control, Env, TimeSpan.FromMinutes(8), args);
    }

    public void Dispose() => _home.Dispose();

    // The uid of each process in the container for which the shell test (on $p, its /proc directory) holds, leaving out
    // this very shell (its own command line names what it looks for).
    private static string[] OwnersInContainer(LabDockerd docker, string test) =>
        docker.Docker("exec", Container, "sh", "-c", $"for p in /proc/[0-9]*; do if [ \"$p\" != /proc/$$ ] && {test}; then stat -c %u $p; fi; done 2>/dev/null").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string ContainerId(NetnsLab lab, LabHost host) =>
        lab.DockerOf(host).Docker("inspect", "--format", "{{.Id}}", Container).Output.Trim();
}
