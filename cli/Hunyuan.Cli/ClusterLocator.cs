using System.CommandLine;
using System.Text.Json;
using Hunyuan.Grains.Hosting;

namespace Hunyuan.Cli;

/// <summary>
/// Finds the cluster for client commands: --gateway host:port (repeatable), else the state file `up` wrote for
/// --cluster NAME (~/.hyc/clusters/NAME/cluster.json; default NAME "local").
/// </summary>
internal static class ClusterLocator
{
    public static readonly Option<string[]> GatewayOption = new("--gateway") { Description = "A silo gateway host:port (repeatable); overrides the state file", AllowMultipleArgumentsPerToken = false };
    public static readonly Option<string> ClusterOption = new("--cluster") { Description = "Cluster name whose state file to use", DefaultValueFactory = _ => "local" };
    public static readonly Option<string> ClusterIdOption = new("--cluster-id") { Description = "Orleans cluster id with --gateway", DefaultValueFactory = _ => "hunyuan" };

    public static void AddTo(Command command)
    {
        command.Options.Add(GatewayOption);
        command.Options.Add(ClusterOption);
        command.Options.Add(ClusterIdOption);
    }

    /// <summary>~/.hyc/clusters/NAME: a cluster's state file, known hosts, logs and pid files.</summary>
    public static string ClusterDirectory(string cluster) => Path.Combine(ModelDirectory.HycHome, "clusters", cluster);

    public static string StateFile(string cluster) => Path.Combine(ClusterDirectory(cluster), "cluster.json");

    public static ClusterConnection Resolve(ParseResult r)
    {
        var gateways = r.GetValue(GatewayOption) ?? [];
        if (gateways.Length > 0)
        {
            return new ClusterConnection(r.GetValue(ClusterIdOption) ?? "hunyuan", "hyc", gateways);
        }

        var cluster = r.GetValue(ClusterOption) ?? "local";
        var file = StateFile(cluster);
        if (!File.Exists(file))
        {
            throw new ClusterUnreachableException($"no cluster '{cluster}': {file} does not exist (run `hyc up`, or pass --gateway host:port)");
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var root = doc.RootElement;
        string? Str(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var list = root.TryGetProperty("gateways", out var g) && g.ValueKind == JsonValueKind.Array ? g.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
        return new ClusterConnection(Str("cluster_id") ?? "hunyuan", Str("service_id") ?? "hyc", list, Str("redis_endpoint"), Str("redis_password_env"), Str("redis_password_file"));
    }
}
