using System.CommandLine;
using System.Diagnostics;
using Hunyuan.Cli.Commands.Provision;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>
/// `hyc down --local`: stops what `hyc up --local` started (the endpoint first, then the agents, the head last):
/// SIGTERM, then SIGKILL after a grace period. `hyc down HOSTS.yaml [--purge]` stops the agents, Redis and containers
/// `up` started on the hosts (<see cref="RemoteProvisioning"/>); --purge also removes the agent bundles, the cluster's
/// files and the cluster key. Idempotent; prints what it did. Exit codes: Success, InvalidArguments, ProvisionFailed.
/// </summary>
internal sealed class DownCommand : Command
{
    private static readonly Argument<string?> HostsArgument = new("HOSTS_YAML") { Description = "Host list whose cluster to stop over SSH", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<bool> LocalOption = new("--local") { Description = "Stop the local cluster" };
    private static readonly Option<bool> PurgeOption = new("--purge") { Description = "Also remove the installed agent, the cluster's files and the cluster key from the hosts" };

    private readonly CliConsole _console;

    public DownCommand(CliConsole console)
        : base("down", "Stop a cluster: --local for the one `hyc up --local` started")
    {
        _console = console;
        Arguments.Add(HostsArgument);
        Options.Add(LocalOption);
        Options.Add(PurgeOption);
        RemoteCommandOptions.AddTo(this);
        SetAction((r, ct) => ExecuteAsync(r, ct));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var hosts = r.GetValue(HostsArgument);
        if (r.GetValue(LocalOption) == (hosts is not null))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "give either a host list (hyc down hosts.yaml) or --local");
        }

        if (hosts is null)
        {
            return Stop(_console);
        }

        return RemoteCommandOptions.Read(r, TimeSpan.FromMinutes(2), out var remote) is { } problem
            ? _console.Fail(ExitCodes.InvalidArguments, problem)
            : await new RemoteProvisioning(_console).DownAsync(hosts, r.GetValue(PurgeOption), remote, cancellationToken);
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
