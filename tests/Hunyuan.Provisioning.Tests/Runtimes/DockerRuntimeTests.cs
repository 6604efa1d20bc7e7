using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Runtimes;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Runtimes;

/// <summary>
/// The exact docker commands, checked with a fake `docker` first on PATH (there is no Docker engine here): it logs
/// its argv and answers `inspect` from a file the test controls.
/// </summary>
public sealed class DockerRuntimeTests : IDisposable
{
    private static readonly RuntimeSettings Settings = new(HostRuntimeKind.Docker, "hunyuaninfer/hunyuan-large:infer-open-source", "hunyuanLLM_infer", 36005, false, "64g");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hyc-fake-docker-" + Guid.NewGuid().ToString("N"));

    public DockerRuntimeTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "docker"), """
            #!/bin/sh
            printf '%s\n' "$*" >> "$FAKE_DOCKER_DIR/calls.log"
            if [ "$1" = inspect ]; then
              if [ -f "$FAKE_DOCKER_DIR/inspect" ]; then cat "$FAKE_DOCKER_DIR/inspect"; exit 0; fi
              echo "Error: No such object: $3" >&2; exit 1
            fi
            if [ "$1" = run ]; then echo 0123456789abcdef; fi
            exit 0
            """.Replace("\r", "", StringComparison.Ordinal));
        File.SetUnixFileMode(Path.Combine(_dir, "docker"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private LocalShell Shell => new(new Dictionary<string, string>
    {
        ["PATH"] = _dir + ":" + Environment.GetEnvironmentVariable("PATH"),
        ["FAKE_DOCKER_DIR"] = _dir,
    });

    private string[] Calls() => File.Exists(Path.Combine(_dir, "calls.log")) ? File.ReadAllLines(Path.Combine(_dir, "calls.log")) : [];

    [Fact]
    public async Task StartsTheContainerWithTheSeedsFlagsWhenNoneRuns()
    {
        var action = await new DockerRuntime(Shell, Settings, "10.0.0.1").EnsureAsync();
        Assert.Equal(ContainerAction.Started, action);
        var run = Assert.Single(Calls(), c => c.StartsWith("run ", StringComparison.Ordinal));
        Assert.StartsWith("run -d --name hunyuanLLM_infer --label hyc.flags=", run, StringComparison.Ordinal);
        var home = Environment.GetEnvironmentVariable("HOME");
        Assert.Contains($"--net=host --ipc=host --gpus all --shm-size 64g -v {home}/.hyc:/hyc-home -e HYC_HOME=/hyc-home hunyuaninfer/hunyuan-large:infer-open-source sh -c", run, StringComparison.Ordinal);
        Assert.Contains("ListenAddress 10.0.0.1", Calls());
        Assert.Contains("/usr/sbin/sshd -f /etc/ssh/sshd_config; exec sleep infinity", Calls());
        Assert.DoesNotContain("--privileged", run, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReusesARunningContainerWithTheSameImageAndFlags()
    {
        var runtime = new DockerRuntime(Shell, Settings, "10.0.0.1");
        var label = runtime.RunArguments().Single(a => a.StartsWith(DockerRuntime.FlagsLabel + "=", StringComparison.Ordinal))[(DockerRuntime.FlagsLabel.Length + 1)..];
        File.WriteAllText(Path.Combine(_dir, "inspect"), $"true {Settings.Image} {label}\n");
        Assert.Equal(ContainerAction.Reused, await runtime.EnsureAsync());
        Assert.DoesNotContain(Calls(), c => c.StartsWith("run ", StringComparison.Ordinal) || c.StartsWith("rm ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReplacesAContainerWhoseFlagsChanged()
    {
        File.WriteAllText(Path.Combine(_dir, "inspect"), $"true {Settings.Image} 0000000000000000\n");
        Assert.Equal(ContainerAction.Replaced, await new DockerRuntime(Shell, Settings with { Privileged = true }, "10.0.0.1").EnsureAsync());
        var calls = Calls();
        Assert.Contains("rm -f hunyuanLLM_infer", calls);
        Assert.Contains(calls, c => c.StartsWith("run ", StringComparison.Ordinal) && c.Contains("--privileged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMissingImageIsPulledFirstAndAFailedPullLeavesTheOldContainer()
    {
        // This fake says every image is missing (`image inspect` fails) and every pull fails.
        File.WriteAllText(Path.Combine(_dir, "docker"), """
            #!/bin/sh
            printf '%s\n' "$*" >> "$FAKE_DOCKER_DIR/calls.log"
            case "$1" in
              inspect) echo "true old-image 0000000000000000" ;;
              image) exit 1 ;;
              pull) echo "pull access denied for $3" >&2; exit 1 ;;
            esac
            exit 0
            """.Replace("\r", "", StringComparison.Ordinal));
        var lines = new List<string>();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new DockerRuntime(Shell, Settings, "10.0.0.1").EnsureAsync(lines.Add));
        Assert.Contains("docker pull hunyuaninfer/hunyuan-large:infer-open-source failed: pull access denied", e.Message, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("pulling hunyuaninfer/hunyuan-large:infer-open-source", StringComparison.Ordinal));
        Assert.DoesNotContain(Calls(), c => c.StartsWith("rm ", StringComparison.Ordinal) || c.StartsWith("run ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VolumesAreMountedAndPartOfTheFlags()
    {
        var withModels = Settings with { Volumes = ["/data/models:/data/models:ro"] };
        await new DockerRuntime(Shell, withModels, "10.0.0.1").EnsureAsync();
        Assert.Contains("-e HYC_HOME=/hyc-home -v /data/models:/data/models:ro hunyuaninfer/", Assert.Single(Calls(), c => c.StartsWith("run ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.NotEqual(new DockerRuntime(Shell, Settings, "10.0.0.1").RunArguments()[6], new DockerRuntime(Shell, withModels, "10.0.0.1").RunArguments()[6]);
    }

    [Fact]
    public async Task CpuHostsGetNoGpuFlag()
    {
        await new DockerRuntime(Shell, Settings, "10.0.0.1", withGpus: false).EnsureAsync();
        Assert.DoesNotContain("--gpus", Assert.Single(Calls(), c => c.StartsWith("run ", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
