using System.CommandLine;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Engine.Planning;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cli.Commands.Provision;

/// <summary>The options `up HOSTS.yaml`, `down HOSTS.yaml` and `preflight` share (the same instances, so the same names and defaults).</summary>
internal static class RemoteCommandOptions
{
    public static readonly Option<bool> AcceptNewOption = new("--accept-new-host-keys") { Description = "Trust and record host keys never seen before (a changed key is always refused)" };
    public static readonly Option<int> ConnectTimeoutOption = new("--connect-timeout") { Description = "Seconds to wait for each SSH connection", DefaultValueFactory = _ => 15 };
    public static readonly Option<int> SiloPortOption = new("--silo-port") { Description = "Agent silo port on every host", DefaultValueFactory = _ => 11111 };
    public static readonly Option<int> GatewayPortOption = new("--gateway-port") { Description = "Agent gateway port on every host", DefaultValueFactory = _ => 30000 };
    public static readonly Option<int> RedisPortOption = new("--redis-port") { Description = "Redis port on the head", DefaultValueFactory = _ => 6379 };
    public static readonly Option<int> MetricsPortOption = new("--metrics-port") { Description = "Each agent's Prometheus /metrics port, on its cluster address", DefaultValueFactory = _ => 9400 };
    public static readonly Option<string> MinDiskOption = new("--min-free-disk") { Description = "Free space needed under $HOME on every host", DefaultValueFactory = _ => "20GiB" };
    public static readonly Option<bool> JsonOption = new("--json") { Description = "Write the outcome per host as JSON to stdout" };
    private static readonly Option<string> RedisImageOption = new("--redis-image") { Description = "Redis image for the docker runtime", DefaultValueFactory = _ => "redis:7.2" };

    public static void AddTo(Command command)
    {
        foreach (var o in new Option[] { AcceptNewOption, ConnectTimeoutOption, SiloPortOption, GatewayPortOption, RedisPortOption, MetricsPortOption, MinDiskOption, RedisImageOption, JsonOption })
        {
            command.Options.Add(o);
        }
    }

    /// <summary>Null when the options are valid, else what is wrong.</summary>
    public static string? Read(ParseResult r, out SshRuntimeOptions options)
    {
        options = null!;
        if (!MemoryPlanner.TryParseSize(r.GetValue(MinDiskOption), out var minDisk) || r.GetValue(ConnectTimeoutOption) < 1)
        {
            return "--min-free-disk must be a size such as 20GiB and --connect-timeout at least 1";
        }

        options = new SshRuntimeOptions
        {
            AcceptNewHostKeys = r.GetValue(AcceptNewOption),
            ConnectTimeout = TimeSpan.FromSeconds(r.GetValue(ConnectTimeoutOption)),
            Provision = new ProvisionOptions
            {
                SiloPort = r.GetValue(SiloPortOption),
                GatewayPort = r.GetValue(GatewayPortOption),
                RedisPort = r.GetValue(RedisPortOption),
                MetricsPort = r.GetValue(MetricsPortOption),
                MinFreeDiskBytes = minDisk,
                RedisImage = r.GetValue(RedisImageOption) ?? "redis:7.2",
            },
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }

        return null;
    }
}
