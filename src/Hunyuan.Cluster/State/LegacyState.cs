using System.Globalization;
using System.Text.Json;

namespace Hunyuan.Cluster.State;

/// <summary>
/// Reads the cluster files of earlier versions once, so `hyc` keeps managing what they started: the unversioned
/// cluster.json of `up HOSTS.yaml` (with inventory and runtime), the local cluster's cluster.json (gateways only) and
/// its processes.json, whose pids become pid files the process supervision knows.
/// </summary>
internal static class LegacyState
{
    public static ClusterState Migrate(string name, string directory, JsonElement root)
    {
        string? Str(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var gateways = root.TryGetProperty("gateways", out var g) && g.ValueKind == JsonValueKind.Array
            ? g.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray()
            : [];
        var hosts = root.TryGetProperty("hosts", out var h) && h.ValueKind == JsonValueKind.Array
            ? h.EnumerateArray().Select(e => new ClusterHost(Get(e, "address"), Get(e, "role"), Get(e, "node"), Get(e, "gpus"))).ToArray()
            : [];
        var updated = root.TryGetProperty("updated_at", out var u) && u.TryGetDateTimeOffset(out var at) ? at : DateTimeOffset.UnixEpoch;

        if (Str("inventory") is { Length: > 0 } inventory)
        {
            return new ClusterState
            {
                Name = name,
                Runtime = Str("runtime") == "process" ? Runtimes.ClusterRuntimeKinds.SshProcess : Runtimes.ClusterRuntimeKinds.SshDocker,
                ClusterId = Str("cluster_id") ?? name,
                ServiceId = Str("service_id") ?? "hyc",
                Gateways = gateways,
                Head = Str("head") ?? hosts.FirstOrDefault(x => x.Role == "head")?.Address ?? "",
                Hosts = hosts,
                Inventory = inventory,
                AgentBundle = Str("agent_bundle"),
                UpdatedAt = updated,
            };
        }

        // A local cluster: agents local-0..N-1 whose gateways are base port + 20000 + i.
        var firstGateway = gateways.Length > 0 ? int.Parse(gateways[0][(gateways[0].LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture) : LocalLayout.GatewayOffset + 11111;
        var layout = new LocalLayout(Math.Max(1, gateways.Length), 0, 0, firstGateway - LocalLayout.GatewayOffset);
        var endpoints = new List<EndpointRecord>();
        var processesFile = Path.Combine(directory, "processes.json");
        if (File.Exists(processesFile))
        {
            var list = JsonSerializer.Deserialize(File.ReadAllText(processesFile), ClusterStateJson.Default.LegacyProcessList);
            foreach (var p in list?.Processes ?? [])
            {
                // "agent local-0" and "serve": the names the local runtime gives their pid files now.
                var process = p.Role.StartsWith("agent ", StringComparison.Ordinal) ? "agent-" + p.Role["agent ".Length..]
                    : list?.Deployment is { Length: > 0 } d ? Runtimes.EndpointNames.Process(d) : null;
                if (process is not null)
                {
                    PrivateFile.Write(Path.Combine(directory, process + ".pid"), p.Pid.ToString(CultureInfo.InvariantCulture) + "\n");
                    PrivateFile.Write(Path.Combine(directory, process + ".spec"), "legacy\n");
                }
            }

            if (list is { Endpoint.Length: > 0, Deployment.Length: > 0 })
            {
                endpoints.Add(new EndpointRecord(list.Deployment, list.Endpoint, Runtimes.EndpointNames.Process(list.Deployment)));
            }

            File.Delete(processesFile);
        }

        return new ClusterState
        {
            Name = name,
            Runtime = Runtimes.ClusterRuntimeKinds.Local,
            ClusterId = Str("cluster_id") ?? "hunyuan",
            ServiceId = Str("service_id") ?? "hyc",
            Gateways = gateways,
            Head = "127.0.0.1",
            Hosts = Enumerable.Range(0, layout.Nodes).Select(i => new ClusterHost("127.0.0.1", i == 0 ? "head" : "worker", LocalLayout.NodeName(i), "")).ToArray(),
            Local = layout,
            Endpoints = endpoints,
            UpdatedAt = updated,
        };
    }

    private static string Get(JsonElement e, string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}
