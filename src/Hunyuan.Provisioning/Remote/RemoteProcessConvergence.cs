namespace Hunyuan.Provisioning.Remote;

/// <summary>Check-then-converge for a managed process: leave it when it runs with the wanted spec, else (re)start it.</summary>
public static class RemoteProcessConvergence
{
    public static async Task<(ProcessAction Action, int Pid)> EnsureAsync(this RemoteProcess process, string commandLine, string spec, TimeSpan stopGrace, CancellationToken cancellationToken = default)
    {
        var state = await process.StatusAsync(cancellationToken);
        if (state.Running && state.Spec == spec)
        {
            return (ProcessAction.Unchanged, state.Pid);
        }

        if (state.Running)
        {
            await process.StopAsync(stopGrace, cancellationToken);
        }

        var pid = await process.StartAsync(commandLine, spec, cancellationToken);
        return (state.Running ? ProcessAction.Restarted : ProcessAction.Started, pid);
    }
}
