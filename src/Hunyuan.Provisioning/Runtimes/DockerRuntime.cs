using System.Security.Cryptography;
using System.Text;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Runtimes;

/// <summary>What converging the container did.</summary>
public enum ContainerAction
{
    Reused,
    Started,
    Replaced,
}

/// <summary>
/// The docker runtime, check-then-converge: a running container of the same name, image and flags is reused;
/// anything else of that name is removed and the container started with host networking and IPC, all GPUs, a shared
/// memory size (all GPUs unless the host declares virtual ones), no --privileged unless asked, the host's ~/.hyc mounted
/// as the container's HYC_HOME (agent bundle and cluster files), and sshd inside on the mesh port of
/// <paramref name="listenAddress"/> only, with a host key of its own and no passwords (<see cref="ContainerSshd"/>).
/// The flags are recorded in a label so a changed host list is noticed.
/// </summary>
public sealed class DockerRuntime(IHostShell shell, RuntimeSettings settings, string listenAddress, bool withGpus = true)
{
    public const string FlagsLabel = "hyc.flags";

    public IReadOnlyList<string> RunArguments() =>
    [
        "docker", "run", "-d", "--name", settings.ContainerName, "--label", $"{FlagsLabel}={FlagsHash()}",
        "--net=host", "--ipc=host", .. withGpus ? new[] { "--gpus", "all" } : [], "--shm-size", settings.ShmSize,
        .. settings.Privileged ? new[] { "--privileged" } : [],
        "-v", HycHomeMount, "-e", $"HYC_HOME={ContainerShell.MountedHycHome}",
        .. settings.Volumes.SelectMany(v => new[] { "-v", v }),
        settings.Image, "sh", "-c", ContainerSshd.Command(settings.SshPort, listenAddress),
    ];

    /// <summary>
    /// The host's ~/.hyc (agent bundle, cluster files) appears in the container as its HYC_HOME; the host's shell expands
    /// $HOME in it, so this one word is left unquoted by <see cref="RunCommand"/>.
    /// </summary>
    public const string HycHomeMount = "$HOME/.hyc:" + ContainerShell.MountedHycHome;

    public string RunCommand() => string.Join(' ', RunArguments().Select(a => a == HycHomeMount ? $"\"{a}\"" : ShellQuote.Word(a)));

    /// <param name="progress">Hears about long steps (an image pull can take many minutes).</param>
    public async Task<ContainerAction> EnsureAsync(Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var inspect = await shell.RunAsync(ShellQuote.Join(["docker", "inspect", "--format", $"{{{{.State.Running}}}} {{{{.Config.Image}}}} {{{{index .Config.Labels \"{FlagsLabel}\"}}}}", settings.ContainerName]), cancellationToken);
        var existed = inspect.Ok;
        if (existed && inspect.Stdout.Trim() == $"true {settings.Image} {FlagsHash()}")
        {
            return ContainerAction.Reused;
        }

        // Pulled before anything is removed: a failed pull leaves the host as it was.
        if (!(await shell.RunAsync(ShellQuote.Join(["docker", "image", "inspect", "--format", "{{.Id}}", settings.Image]), cancellationToken)).Ok)
        {
            progress?.Invoke($"pulling {settings.Image} (a first pull of a large image takes minutes)");
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var pull = await shell.RunAsync(ShellQuote.Join(["docker", "pull", "-q", settings.Image]), cancellationToken);
            if (!pull.Ok)
            {
                throw new InvalidOperationException($"{shell.Host}: docker pull {settings.Image} failed: {pull.Stderr.Trim()}");
            }

            progress?.Invoke($"pulled {settings.Image} in {sw.Elapsed.TotalSeconds:F0} s");
        }

        if (existed)
        {
            var rm = await shell.RunAsync(ShellQuote.Join(["docker", "rm", "-f", settings.ContainerName]), cancellationToken);
            if (!rm.Ok)
            {
                throw new InvalidOperationException($"{shell.Host}: docker rm -f {settings.ContainerName} failed: {rm.Stderr.Trim()}");
            }
        }

        var run = await shell.RunAsync("mkdir -p \"$HOME/.hyc\" && chmod 700 \"$HOME/.hyc\" && " + RunCommand(), cancellationToken);
        if (!run.Ok)
        {
            throw new InvalidOperationException($"{shell.Host}: docker run failed: {run.Stderr.Trim()}");
        }

        return existed ? ContainerAction.Replaced : ContainerAction.Started;
    }

    public Task<bool> RemoveAsync(CancellationToken cancellationToken = default) => DockerContainers.RemoveAsync(shell, settings.ContainerName, cancellationToken);

    private string FlagsHash()
    {
        var flags = $"{settings.Image}|{settings.SshPort}|{settings.Privileged}|{settings.ShmSize}|{withGpus}|{HycHomeMount}|{string.Join(',', settings.Volumes)}|{ContainerSshd.Command(settings.SshPort, listenAddress)}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(flags)))[..16].ToLowerInvariant();
    }
}
