namespace Hunyuan.Provisioning.Remote;

/// <summary>Check-then-converge for a managed process: leave it when it runs with the wanted spec, else (re)start it.</summary>
public static class RemoteProcessConvergence
{
    public static Task<(ProcessAction Action, int Pid)> EnsureAsync(this RemoteProcess process, string commandLine, string spec, TimeSpan stopGrace, CancellationToken cancellationToken = default) =>
        process.EnsureAsync(commandLine, spec, stopGrace, null, cancellationToken);

    /// <param name="stopper">
    /// The same process seen through a shell that may stop it whoever started it (root inside a container), when
    /// <paramref name="process"/>'s shell is a less privileged user's: it checks and stops, the user's shell starts.
    /// </param>
    public static async Task<(ProcessAction Action, int Pid)> EnsureAsync(this RemoteProcess process, string commandLine, string spec, TimeSpan stopGrace, RemoteProcess? stopper, CancellationToken cancellationToken = default)
    {
        stopper ??= process;
        var state = await stopper.StatusAsync(cancellationToken);
        if (state.Running && state.Spec == spec)
        {
            return (ProcessAction.Unchanged, state.Pid);
        }

        if (state.Running)
        {
            await stopper.StopAsync(stopGrace, cancellationToken);
        }

        var pid = await process.StartAsync(commandLine, spec, cancellationToken);
        return (state.Running ? ProcessAction.Restarted : ProcessAction.Started, pid);
    }
}
