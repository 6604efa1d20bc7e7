using System.Globalization;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Remote;

/// <summary>What a managed process on a host is doing: stopped, or running with the spec it was started with.</summary>
public sealed record RemoteProcessState(bool Running, int Pid, string Spec);

/// <summary>
/// A long-running process hyc starts on a host (the agent, Redis): detached with setsid and nohup so it outlives the SSH
/// session, its pid and a spec (a hash of what it was started with) in files beside its log under
/// ~/.hyc/clusters/NAME. A running process is trusted only when its /proc cmdline still shows what was started, so a
/// recycled pid is not mistaken for it. Commands carry no secrets: those are in files the process reads.
/// </summary>
public sealed class RemoteProcess(IHostShell shell, string cluster, string name, string cmdlineMarker)
{
    private string Dir => RemotePaths.Cluster(cluster);

    private string PidFile => $"\"{Dir}/{name}.pid\"";

    public string LogFile => $"{Dir}/logs/{name}.log";

    /// <summary>The log's path as a person reads it (~/.hyc/... on the host, $HYC_HOME in a container).</summary>
    public string DisplayLogFile => LogFile.Replace(RemotePaths.Root, "~/.hyc", StringComparison.Ordinal);

    /// <summary>The names of the processes with pid files in a cluster's directory on this host.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(IHostShell shell, string cluster, CancellationToken cancellationToken = default)
    {
        var r = await shell.RunAsync($"for f in \"{RemotePaths.Cluster(cluster)}\"/*.pid; do [ -e \"$f\" ] && basename \"$f\" .pid; done; true", cancellationToken);
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public async Task<RemoteProcessState> StatusAsync(CancellationToken cancellationToken = default)
    {
        var r = await shell.RunAsync(
            $"pid=$(cat {PidFile} 2>/dev/null) && [ -n \"$pid\" ] && kill -0 \"$pid\" 2>/dev/null && tr '\\0' ' ' < /proc/$pid/cmdline | grep -qF {ShellQuote.Word(cmdlineMarker)} && echo \"running $pid $(cat \"{Dir}/{name}.spec\" 2>/dev/null)\" || echo stopped",
            cancellationToken);
        var words = r.Stdout.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 2 && words[0] == "running" && int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new RemoteProcessState(true, pid, words.Length > 2 ? words[2] : "")
            : new RemoteProcessState(false, 0, "");
    }

    /// <summary>Starts <paramref name="commandLine"/> (a shell command line; paths may use <see cref="RemotePaths.Root"/>) in the background.</summary>
    public async Task<int> StartAsync(string commandLine, string spec, CancellationToken cancellationToken = default)
    {
        var r = await shell.RunAsync(
            $"umask 077 && mkdir -p \"{Dir}/logs\" && cd \"{Dir}\" && {{ setsid nohup {commandLine} >> \"{LogFile}\" 2>&1 < /dev/null & pid=$!; }} && echo $pid > {PidFile} && printf '%s\\n' {ShellQuote.Word(spec)} > \"{Dir}/{name}.spec\" && echo $pid",
            cancellationToken);
        if (!r.Ok || !int.TryParse(r.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var started))
        {
            throw new InvalidOperationException($"{shell.Host}: starting {name} failed: {r.Stderr.Trim()}");
        }

        // A process that dies at once (a bad flag, a missing library) is reported now, with its log's tail.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        if (!(await StatusAsync(cancellationToken)).Running)
        {
            var log = await shell.RunAsync($"tail -n 20 \"{LogFile}\" 2>/dev/null", cancellationToken);
            throw new InvalidOperationException($"{shell.Host}: {name} exited right after starting; the end of {DisplayLogFile}:\n{log.Stdout.TrimEnd()}");
        }

        return started;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; true when something was running.</summary>
    public async Task<bool> StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var state = await StatusAsync(cancellationToken);
        if (!state.Running)
        {
            await shell.RunAsync($"rm -f {PidFile} \"{Dir}/{name}.spec\"", cancellationToken);
            return false;
        }

        var tries = Math.Max(1, (int)(grace.TotalMilliseconds / 200));
        // setsid made the process a group leader: the group is signalled, so whatever it started goes with it.
        var r = await shell.RunAsync(
            $"kill -TERM -{state.Pid} 2>/dev/null || kill -TERM {state.Pid} 2>/dev/null; i=0; while kill -0 {state.Pid} 2>/dev/null && [ $i -lt {tries} ]; do sleep 0.2; i=$((i+1)); done; " +
            $"if kill -0 {state.Pid} 2>/dev/null; then kill -KILL -{state.Pid} 2>/dev/null || kill -KILL {state.Pid}; echo killed; else kill -KILL -{state.Pid} 2>/dev/null; echo stopped; fi; rm -f {PidFile} \"{Dir}/{name}.spec\"",
            cancellationToken);
        return r.Ok ? true : throw new InvalidOperationException($"{shell.Host}: stopping {name} failed: {r.Stderr.Trim()}");
    }
}
