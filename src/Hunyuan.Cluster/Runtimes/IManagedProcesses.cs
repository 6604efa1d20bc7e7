using Hunyuan.Provisioning.Remote;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>
/// hyc processes this machine starts and supervises for one cluster (local agents, endpoints): named, with pid, spec
/// and log files in the cluster's directory. The seam that lets the local runtime be tested without processes.
/// </summary>
public interface IManagedProcesses
{
    /// <summary>Where a process's log is, as a person reads it.</summary>
    string LogOf(string name);

    Task<RemoteProcessState> StatusAsync(string name, string marker, CancellationToken cancellationToken);

    /// <summary>Leaves it when it runs with <paramref name="spec"/>, else (re)starts `hyc ARGS` supervised.</summary>
    Task<(ProcessAction Action, int Pid)> EnsureAsync(string name, string marker, IReadOnlyList<string> hycArguments, string spec, CancellationToken cancellationToken);

    Task<bool> StopAsync(string name, string marker, TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>The names that have pid files.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);
}
