namespace Hunyuan.Cluster.Preflight;

/// <summary>`hyc preflight --json`.</summary>
public sealed record PreflightOutput(string Cluster, bool Ok, IReadOnlyList<PreflightHostOutput> Hosts);

/// <summary>One host: reached or not (with the cause), the verified host key, and each check.</summary>
public sealed record PreflightHostOutput(string Address, int Line, string Role, bool Reachable, string? HostKey, string? Error, IReadOnlyList<PreflightCheckOutput> Checks);

public sealed record PreflightCheckOutput(string Name, bool Ok, string Detail);
