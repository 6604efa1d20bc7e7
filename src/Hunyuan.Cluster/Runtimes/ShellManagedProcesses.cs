using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>The real <see cref="IManagedProcesses"/>: <see cref="RemoteProcess"/> (supervised, detached) through a shell on this machine.</summary>
public sealed class ShellManagedProcesses(IHostShell shell, string cluster, HycInvocation hyc, TimeSpan stopGrace) : IManagedProcesses
{
    public string LogOf(string name) => Process(name, "").DisplayLogFile;

    public Task<RemoteProcessState> StatusAsync(string name, string marker, CancellationToken cancellationToken) => Process(name, marker).StatusAsync(cancellationToken);

    public Task<(ProcessAction Action, int Pid)> EnsureAsync(string name, string marker, IReadOnlyList<string> hycArguments, string spec, CancellationToken cancellationToken) =>
        Process(name, marker).EnsureAsync(hyc.CommandLine(hycArguments), spec, stopGrace, cancellationToken);

    public Task<bool> StopAsync(string name, string marker, TimeSpan grace, CancellationToken cancellationToken) => Process(name, marker).StopAsync(grace, cancellationToken);

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => RemoteProcess.ListAsync(shell, cluster, cancellationToken);

    // A local cluster belongs to the session that made it, not to the machine's init: always hyc's own restart loop, never a systemd unit.
    private RemoteProcess Process(string name, string marker) => new(shell, cluster, name, marker, new LoopSupervision(shell));
}
