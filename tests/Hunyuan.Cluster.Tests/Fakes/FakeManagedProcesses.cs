using Hunyuan.Cluster.Runtimes;
using Hunyuan.Provisioning.Remote;

namespace Hunyuan.Cluster.Tests.Fakes;

/// <summary>Managed processes as a table in memory: started, killed and stopped by the test, no real process anywhere.</summary>
public sealed class FakeManagedProcesses : IManagedProcesses
{
    private readonly Dictionary<string, (int Pid, string Spec, IReadOnlyList<string> Args)> _running = new(StringComparer.Ordinal);
    private int _nextPid = 1000;

    public List<string> Log { get; } = [];

    public IReadOnlyDictionary<string, (int Pid, string Spec, IReadOnlyList<string> Args)> Running => _running;

    /// <summary>A process that dies (a crash, kill -9 of the supervisor too).</summary>
    public void Kill(string name) => _running.Remove(name);

    public string LogOf(string name) => $"~/.hyc/clusters/local/logs/{name}.log";

    public Task<RemoteProcessState> StatusAsync(string name, string marker, CancellationToken cancellationToken) =>
        Task.FromResult(_running.TryGetValue(name, out var p) ? new RemoteProcessState(true, p.Pid, p.Spec) : new RemoteProcessState(false, 0, ""));

    public Task<(ProcessAction Action, int Pid)> EnsureAsync(string name, string marker, IReadOnlyList<string> hycArguments, string spec, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(name, out var p) && p.Spec == spec)
        {
            return Task.FromResult((ProcessAction.Unchanged, p.Pid));
        }

        var action = _running.ContainsKey(name) ? ProcessAction.Restarted : ProcessAction.Started;
        var pid = _nextPid++;
        _running[name] = (pid, spec, hycArguments);
        Log.Add($"{action.ToString().ToLowerInvariant()} {name}");
        return Task.FromResult((action, pid));
    }

    public Task<bool> StopAsync(string name, string marker, TimeSpan grace, CancellationToken cancellationToken)
    {
        var stopped = _running.Remove(name);
        if (stopped)
        {
            Log.Add($"stopped {name}");
        }

        return Task.FromResult(stopped);
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>(_running.Keys.Order(StringComparer.Ordinal).ToList());
}
