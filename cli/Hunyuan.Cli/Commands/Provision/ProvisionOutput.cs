namespace Hunyuan.Cli.Commands.Provision;

/// <summary>`hyc up HOSTS.yaml --json` and `hyc down HOSTS.yaml --json`.</summary>
internal sealed record ProvisionOutput(string Cluster, string Action, bool Ok, bool Changed, string? AgentBundle, IReadOnlyList<ProvisionHostOutput> Hosts);

/// <summary>One host: its role, what was found and done, and the cause when something was not done.</summary>
internal sealed record ProvisionHostOutput(string Address, int Line, string Role, string Node, bool Reachable, string? HostKey, string Gpus, string Agent, string State, IReadOnlyList<string> Changes, string? Error);
