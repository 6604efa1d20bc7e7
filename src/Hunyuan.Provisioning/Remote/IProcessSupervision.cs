namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// How a host keeps a managed process alive: a restart loop of hyc's own (<see cref="LoopSupervision"/>), or systemd
/// (<see cref="SystemdSupervision"/>). Chosen once per host by <see cref="ProcessSupervision.ForAsync"/>.
/// </summary>
public interface IProcessSupervision
{
    Task<RemoteProcessState> StatusAsync(SupervisedProcess process, CancellationToken cancellationToken = default);

    /// <summary>Starts <paramref name="commandLine"/> supervised, records its pid and spec; the pid to report.</summary>
    Task<int> StartAsync(SupervisedProcess process, string commandLine, string spec, CancellationToken cancellationToken = default);

    /// <summary>Stops it, for good (no restart): SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    Task StopAsync(SupervisedProcess process, int pid, TimeSpan grace, CancellationToken cancellationToken = default);
}
