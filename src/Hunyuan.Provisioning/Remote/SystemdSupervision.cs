using System.Globalization;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// Supervision by systemd where the host has it: the process runs as a transient service (systemd-run), restarted
/// by systemd, in a system unit for root or a user unit otherwise. Transient rather than a unit file under
/// ~/.config/systemd/user: nothing to write, reload or clean up, the unit is garbage-collected once stopped
/// (--collect), and a host reboot does not bring back a cluster hyc did not start (hyc up does that).
/// A process started before systemd was chosen (by the loop, or an older hyc) is still seen and stopped through
/// <see cref="LoopSupervision"/>, so an upgrade never runs a second copy beside it.
/// </summary>
public sealed class SystemdSupervision(IHostShell shell, bool userUnits) : IProcessSupervision
{
    /// <summary>
    /// The unit's command: its directory, its log (systemd's own append: needs v240, older hosts are common on GPU
    /// boxes), then exec, so the main pid is the command itself. Positional parameters only: systemd expands $NAME
    /// in a unit's arguments itself, and a shell variable here would reach sh empty.
    /// </summary>
    public const string Wrapper = "cd \"$1\" && exec >> \"$2\" 2>&1 < /dev/null && shift 2 && exec \"$@\"";

    private readonly LoopSupervision _earlier = new(shell);

    private string Systemctl => userUnits ? "systemctl --user" : "systemctl";

    public async Task<RemoteProcessState> StatusAsync(SupervisedProcess process, CancellationToken cancellationToken = default)
    {
        var r = await shell.RunAsync($"{Systemctl} show -p MainPID,ActiveState {process.UnitName}.service 2>/dev/null; echo \"Spec=$(cat {process.SpecFile} 2>/dev/null)\"", cancellationToken);
        var properties = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);

        // Restarting (activating) is not running: a process that dies at once must be reported as such.
        return properties.GetValueOrDefault("ActiveState") == "active"
            && int.TryParse(properties.GetValueOrDefault("MainPID"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? new RemoteProcessState(true, pid, properties.GetValueOrDefault("Spec") ?? "") { ChildPid = pid }
            : await _earlier.StatusAsync(process, cancellationToken);
    }

    public async Task<int> StartAsync(SupervisedProcess process, string commandLine, string spec, CancellationToken cancellationToken = default)
    {
        // A failed unit of the same name would block the new one; HYC_HOME and HOME are the login's, which a system
        // unit would not have. The pid file lists the process for ListAsync; status asks systemd.
        var unit = process.UnitName;
        var r = await shell.RunAsync(
            $"{process.Prepare} && {{ {Systemctl} reset-failed {unit}.service >/dev/null 2>&1; true; }} && " +
            $"systemd-run{(userUnits ? " --user" : "")} --unit={unit} --property=Restart=always --property=RestartSec=2 --property=UMask=0077 " +
            $"--setenv=HYC_HOME=\"{RemotePaths.Root}\" --setenv=HOME=\"$HOME\" --collect --quiet " +
            $"/bin/sh -c {ShellQuote.Word(Wrapper)} hyc-unit \"{process.Dir}\" \"{process.LogFile}\" {commandLine} && " +
            $"pid=$({Systemctl} show -p MainPID {unit}.service) && pid=${{pid#MainPID=}} && echo \"$pid\" > {process.PidFile} && printf '%s\\n' {ShellQuote.Word(spec)} > {process.SpecFile} && echo \"$pid\"",
            cancellationToken);
        return r.Ok && int.TryParse(r.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : throw new InvalidOperationException($"{shell.Host}: starting {process.Name} under systemd failed: {r.Stderr.Trim()}");
    }

    public async Task StopAsync(SupervisedProcess process, int pid, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var unit = process.UnitName;
        var active = await shell.RunAsync($"{Systemctl} show -p ActiveState {unit}.service 2>/dev/null", cancellationToken);
        if (active.Stdout.Trim() is "ActiveState=inactive" or "ActiveState=failed" or "")
        {
            await _earlier.StopAsync(process, pid, grace, cancellationToken);
            return;
        }

        // A stop job (not a kill, which Restart=always would undo) that may take the grace; then SIGKILL, which the
        // pending stop keeps from being restarted.
        var tries = Math.Max(1, (int)(grace.TotalMilliseconds / 200));
        var r = await shell.RunAsync(
            $"{Systemctl} stop --no-block {unit}.service || exit 1; i=0; " +
            $"while [ $i -lt {tries} ]; do case \"$({Systemctl} show -p ActiveState {unit}.service)\" in *=inactive|*=failed) exit 0 ;; esac; sleep 0.2; i=$((i+1)); done; " +
            $"{Systemctl} kill --signal=SIGKILL {unit}.service; {Systemctl} stop {unit}.service",
            cancellationToken);
        if (!r.Ok)
        {
            throw new InvalidOperationException($"{shell.Host}: stopping {unit} failed: {r.Stderr.Trim()}");
        }
    }
}
