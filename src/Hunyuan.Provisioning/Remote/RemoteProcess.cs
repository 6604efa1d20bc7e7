using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// A long-running process hyc starts on a host (the agent, Redis, an endpoint), supervised so that a crash heals
/// without an operator: by systemd where the host has it, else by a restart loop of hyc's own (see
/// <see cref="ProcessSupervision"/>). Its pid and a spec (a hash of what it was started with) are in files beside its
/// log under ~/.hyc/clusters/NAME. A running process is trusted only when its /proc cmdline still shows what was
/// started, so a recycled pid is not mistaken for it. Commands carry no secrets: those are in files the process reads.
/// </summary>
/// <param name="supervision">How the host supervises it; by default probed once per <paramref name="shell"/>.</param>
public sealed class RemoteProcess(IHostShell shell, string cluster, string name, string cmdlineMarker, IProcessSupervision? supervision = null)
{
    private readonly SupervisedProcess _process = new(cluster, name, cmdlineMarker);

    public string LogFile => _process.LogFile;

    /// <summary>The log's path as a person reads it (~/.hyc/... on the host, $HYC_HOME in a container).</summary>
    public string DisplayLogFile => LogFile.Replace(RemotePaths.Root, "~/.hyc", StringComparison.Ordinal);

    /// <summary>The names of the processes with pid files in a cluster's directory on this host.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(IHostShell shell, string cluster, CancellationToken cancellationToken = default)
    {
        var r = await shell.RunAsync($"for f in \"{RemotePaths.Cluster(cluster)}\"/*.pid; do [ -e \"$f\" ] && basename \"$f\" .pid; done; true", cancellationToken);
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public async Task<RemoteProcessState> StatusAsync(CancellationToken cancellationToken = default) =>
        await (await SupervisionAsync(cancellationToken)).StatusAsync(_process, cancellationToken);

    /// <summary>
    /// Starts <paramref name="commandLine"/> supervised, in the background; the supervisor's pid. The command line is
    /// one simple command (words; paths may use <see cref="RemotePaths.Root"/>), which the host's shell expands.
    /// </summary>
    public async Task<int> StartAsync(string commandLine, string spec, CancellationToken cancellationToken = default)
    {
        var supervisor = await SupervisionAsync(cancellationToken);
        var started = await supervisor.StartAsync(_process, commandLine, spec, cancellationToken);

        // A process that dies at once (a bad flag, a missing library) is reported now, with its log's tail, and not
        // left to be restarted forever. Under supervision the first restart is a second away, so half a second in
        // a dead command shows as no child.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        var state = await supervisor.StatusAsync(_process, cancellationToken);
        if (!state.Running || state.ChildPid == 0)
        {
            await supervisor.StopAsync(_process, started, TimeSpan.FromSeconds(2), cancellationToken);
            await shell.RunAsync(_process.Forget, cancellationToken);
            var log = await shell.RunAsync($"tail -n 20 \"{LogFile}\" 2>/dev/null", cancellationToken);
            throw new InvalidOperationException($"{shell.Host}: {name} exited right after starting; the end of {DisplayLogFile}:\n{log.Stdout.TrimEnd()}");
        }

        return started;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>, with no restart; true when something was running.</summary>
    public async Task<bool> StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var supervisor = await SupervisionAsync(cancellationToken);
        var state = await supervisor.StatusAsync(_process, cancellationToken);
        if (state.Running)
        {
            await supervisor.StopAsync(_process, state.Pid, grace, cancellationToken);
        }

        await shell.RunAsync(_process.Forget, cancellationToken);
        return state.Running;
    }

    private async Task<IProcessSupervision> SupervisionAsync(CancellationToken cancellationToken) =>
        supervision ?? await ProcessSupervision.ForAsync(shell, cancellationToken);
}
