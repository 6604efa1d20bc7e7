using System.CommandLine;
using System.Diagnostics;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>
/// `hyc down --local`: stops what `hyc up --local` started (the endpoint first, then the agents, the head last):
/// SIGTERM, then SIGKILL after a grace period. Idempotent; prints what it did. `hyc down HOSTS.yaml` is not built yet.
/// </summary>
internal sealed class DownCommand : Command
{
    private static readonly Argument<string?> HostsArgument = new("HOSTS_YAML") { Description = "Host list (over SSH: not built yet)", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<bool> LocalOption = new("--local") { Description = "Stop the local cluster" };

    private readonly CliConsole _console;

    public DownCommand(CliConsole console)
        : base("down", "Stop a cluster: --local for the one `hyc up --local` started")
    {
        _console = console;
        Arguments.Add(HostsArgument);
        Options.Add(LocalOption);
        SetAction(r => r.GetValue(LocalOption)
            ? Stop(_console)
            : _console.Fail(ExitCodes.InvalidArguments, "give --local; stopping hosts over SSH is not built yet"));
    }

    public static int Stop(CliConsole console)
    {
        var state = LocalClusterState.Read();
        if (state is null || state.Processes.Count == 0)
        {
            console.Human("no local cluster: nothing to stop");
            return ExitCodes.Success;
        }

        var order = state.Processes.Where(p => p.Role == "serve")
            .Concat(state.Processes.Where(p => p.Role != "serve").Reverse()).ToArray();
        foreach (var p in order)
        {
            if (!LocalClusterState.IsAlive(p.Pid))
            {
                console.Human($"{p.Role} (pid {p.Pid}) already stopped");
                continue;
            }

            using var process = Process.GetProcessById(p.Pid);
            Signal(p.Pid, "TERM");
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(5));
                console.Human($"{p.Role} (pid {p.Pid}) did not stop in 10 s: killed");
            }
            else
            {
                console.Human($"stopped {p.Role} (pid {p.Pid})");
            }
        }

        File.Delete(LocalClusterState.ProcessesFile);
        File.Delete(Path.Combine(LocalClusterState.Directory, "cluster.json"));
        return ExitCodes.Success;
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(5000);
    }
}
