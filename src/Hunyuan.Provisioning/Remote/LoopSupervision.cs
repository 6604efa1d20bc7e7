using System.Globalization;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// Supervision anywhere there is a POSIX sh (containers, hosts without systemd): a small sh loop, detached with
/// setsid so it outlives the SSH session and leads a process group of its own, runs the command as its child and
/// restarts it after <see cref="RestartBackoff"/>, logging why it ended. The loop gets the command as its arguments,
/// already expanded, so its /proc cmdline shows the command and the marker check needs no second file.
/// </summary>
public sealed class LoopSupervision(IHostShell shell) : IProcessSupervision
{
    /// <summary>
    /// $1 is the child's pid file, the rest the command. TERM/INT end it without a restart (the child is signalled and
    /// waited for); the backoff sleep runs in the background so a signal is handled at once, not after up to 30 s.
    /// When the child ends, what it started and left behind (a worker holding a GPU or a port) is sent TERM through
    /// the loop's group, the loop deaf to it for that moment, so the restarted child does not find them in its way.
    /// </summary>
    public static string Script { get; } = RestartBackoff.ShellFunction + "\n" + """
        child_file=$1; shift
        pid=
        on_stop='trap "" TERM INT; [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid"; }; rm -f "$child_file"; exit 0'
        trap "$on_stop" TERM INT
        delay=0
        while :; do
          started=$(date +%s)
          "$@" &
          pid=$!
          echo "$pid" > "$child_file"
          wait "$pid"
          code=$?
          pid=
          rm -f "$child_file"
          trap '' TERM
          kill -TERM -$$ 2>/dev/null
          trap "$on_stop" TERM
          ran=$(($(date +%s) - started))
          if [ "$code" -gt 128 ]; then cause="signal $(kill -l "$((code - 128))" 2>/dev/null) ($((code - 128)))"; else cause="exit code $code"; fi
          delay=$(backoff "$delay" "$ran")
          echo "hyc supervisor $(date -u +%Y-%m-%dT%H:%M:%SZ): ended with $cause after ${ran}s; restarting in ${delay}s"
          sleep "$delay" &
          pid=$!
          wait "$pid"
          pid=
        done
        """.Replace("\r", "", StringComparison.Ordinal);

    /// <summary>The loop's $0: what `ps` shows for it.</summary>
    public const string ProcessTitle = "hyc-supervise";

    public async Task<RemoteProcessState> StatusAsync(SupervisedProcess process, CancellationToken cancellationToken = default)
    {
        // The pid counts only while its cmdline still shows the marker: a recycled pid is someone else.
        var r = await shell.RunAsync(
            $"pid=$(cat {process.PidFile} 2>/dev/null) && [ -n \"$pid\" ] && kill -0 \"$pid\" 2>/dev/null && tr '\\0' ' ' < /proc/$pid/cmdline | grep -qF {ShellQuote.Word(process.CmdlineMarker)} && " +
            $"{{ c=$(cat {process.ChildPidFile} 2>/dev/null); [ -n \"$c\" ] && kill -0 \"$c\" 2>/dev/null || c=0; echo \"running $pid $c $(cat {process.SpecFile} 2>/dev/null)\"; }} || echo stopped",
            cancellationToken);
        var words = r.Stdout.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 3 && words[0] == "running" && TryPid(words[1], out var pid) && TryPid(words[2], out var child)
            ? new RemoteProcessState(true, pid, words.Length > 3 ? words[3] : "") { ChildPid = child }
            : new RemoteProcessState(false, 0, "");
    }

    public async Task<int> StartAsync(SupervisedProcess process, string commandLine, string spec, CancellationToken cancellationToken = default)
    {
        var r = await shell.RunAsync(
            $"{process.Prepare} && {{ setsid nohup sh -c {ShellQuote.Word(Script)} {ProcessTitle} \"{process.Dir}/{process.Name}.child\" {commandLine} >> \"{process.LogFile}\" 2>&1 < /dev/null & pid=$!; }} && " +
            $"echo $pid > {process.PidFile} && printf '%s\\n' {ShellQuote.Word(spec)} > {process.SpecFile} && echo $pid",
            cancellationToken);
        return r.Ok && TryPid(r.Stdout.Trim(), out var started)
            ? started
            : throw new InvalidOperationException($"{shell.Host}: starting {process.Name} failed: {r.Stderr.Trim()}");
    }

    public async Task StopAsync(SupervisedProcess process, int pid, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var tries = Math.Max(1, (int)(grace.TotalMilliseconds / 200));

        // The loop leads its process group: the group is signalled, so the child and whatever it started go too. The
        // loop waits for its child before it exits, so the loop gone means the child is gone; a straggler that
        // ignored TERM gets the group's KILL.
        var r = await shell.RunAsync(
            $"kill -TERM -{pid} 2>/dev/null || kill -TERM {pid} 2>/dev/null; i=0; while kill -0 {pid} 2>/dev/null && [ $i -lt {tries} ]; do sleep 0.2; i=$((i+1)); done; " +
            $"if kill -0 {pid} 2>/dev/null; then kill -KILL -{pid} 2>/dev/null || kill -KILL {pid}; else kill -KILL -{pid} 2>/dev/null; fi; true",
            cancellationToken);
        if (!r.Ok)
        {
            throw new InvalidOperationException($"{shell.Host}: stopping {process.Name} failed: {r.Stderr.Trim()}");
        }
    }

    private static bool TryPid(string s, out int pid) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out pid);
}
