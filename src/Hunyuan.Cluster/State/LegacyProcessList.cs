namespace Hunyuan.Cluster.State;

/// <summary>processes.json of a local cluster made before the state schema was versioned: what to stop, by pid.</summary>
internal sealed record LegacyProcessList(IReadOnlyList<LegacyProcess>? Processes, string? Endpoint, string? Deployment);

internal sealed record LegacyProcess(string Role, int Pid, string? Log);
