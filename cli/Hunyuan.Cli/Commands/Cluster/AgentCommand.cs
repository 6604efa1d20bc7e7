using System.CommandLine;
using Hunyuan.Engine.Planning;
using Hunyuan.Engine.Security;
using Hunyuan.Grains.Hosting;
using Microsoft.Extensions.Hosting;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>
/// `hyc agent`: run this node's silo until stopped (SIGTERM or Ctrl-C). With --tls-dir (or HYC_TLS_DIR) both its ports
/// require a cluster certificate and it presents node-NODE.pem from there. Exit codes: Success, InvalidArguments,
/// FileError (the TLS files are missing or not the cluster's).
/// </summary>
internal sealed class AgentCommand : Command
{
    private static readonly Option<string> NodeOption = new("--node") { Description = "This node's name", DefaultValueFactory = _ => Environment.MachineName };
    private static readonly Option<bool> HeadOption = new("--head") { Description = "This node is the head (deployments, engine, endpoint)" };
    private static readonly Option<string> ClusterIdOption = new("--cluster-id") { Description = "Orleans cluster id", DefaultValueFactory = _ => "hunyuan" };
    private static readonly Option<string> ClusteringOption = new("--clustering") { Description = "localhost or redis", DefaultValueFactory = _ => "localhost" };
    private static readonly Option<string?> RedisOption = new("--redis") { Description = "Redis host:port for membership" };
    private static readonly Option<string?> RedisPasswordEnvOption = new("--redis-password-env") { Description = "Environment variable holding the Redis password" };
    private static readonly Option<string?> RedisPasswordFileOption = new("--redis-password-file") { Description = "File (0600) holding the Redis password" };
    private static readonly Option<string?> RedisUserEnvOption = new("--redis-user-env") { Description = "Environment variable holding the Redis ACL user (default: Redis's default user)" };
    private static readonly Option<string?> RedisUserFileOption = new("--redis-user-file") { Description = "File (0600) holding the Redis ACL user" };
    private static readonly Option<string> AddressOption = new("--address") { Description = "Advertised IP address", DefaultValueFactory = _ => "127.0.0.1" };
    private static readonly Option<int> SiloPortOption = new("--silo-port") { Description = "Silo-to-silo port", DefaultValueFactory = _ => 11111 };
    private static readonly Option<int> GatewayPortOption = new("--gateway-port") { Description = "Client gateway port", DefaultValueFactory = _ => 30000 };
    private static readonly Option<int> DataPortOption = new("--data-port") { Description = "Rank data-plane port on the advertised address (0: any free port, reported to the head)", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> MetricsPortOption = new("--metrics-port") { Description = "Prometheus /metrics port on the advertised address (0: none)", DefaultValueFactory = _ => 0 };
    private static readonly Option<int?> PrimaryPortOption = new("--primary-port") { Description = "Localhost clustering: the primary silo's port (default: this silo's)" };
    private static readonly Option<int> TorchThreadsOption = new("--torch-threads") { Description = "Torch intra-op threads of this agent's ranks; 0: every core", DefaultValueFactory = _ => 0 };
    private static readonly Option<int> VirtualGpusOption = new("--virtual-gpus") { Description = "Declare N virtual GPUs (CPU host); 0 probes nvidia-smi", DefaultValueFactory = _ => 0 };
    private static readonly Option<string> VirtualGpuMemoryOption = new("--virtual-gpu-memory") { Description = "Memory budget per virtual GPU", DefaultValueFactory = _ => "16GiB" };
    private static readonly Option<string?> TlsDirOption = new("--tls-dir") { Description = "The cluster's TLS directory (ca.pem, node-NODE.pem/.key): require and present cluster certificates. Default: $HYC_TLS_DIR; none: plain TCP", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(TlsDirVariable) is { Length: > 0 } dir ? dir : null };
    private static readonly Option<string> NvidiaSmiOption = new("--nvidia-smi") { Description = "Path of nvidia-smi", DefaultValueFactory = _ => "nvidia-smi" };

    private const string TlsDirVariable = "HYC_TLS_DIR";

    private readonly CliConsole _console;

    public AgentCommand(CliConsole console)
        : base("agent", "Run this node's agent (an Orleans silo) until stopped")
    {
        _console = console;
        foreach (var o in new Option[] { NodeOption, HeadOption, ClusterIdOption, ClusteringOption, RedisOption, RedisPasswordEnvOption, RedisPasswordFileOption, RedisUserEnvOption, RedisUserFileOption, AddressOption, SiloPortOption, GatewayPortOption, MetricsPortOption, DataPortOption, PrimaryPortOption, VirtualGpusOption, VirtualGpuMemoryOption, NvidiaSmiOption, TlsDirOption, TorchThreadsOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => ExecuteAsync(r, ct));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        if (!MemoryPlanner.TryParseSize(r.GetValue(VirtualGpuMemoryOption), out var gpuMemory))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--virtual-gpu-memory: '{r.GetValue(VirtualGpuMemoryOption)}' is not a size");
        }

        var siloPort = r.GetValue(SiloPortOption);
        var options = new AgentOptions
        {
            NodeName = r.GetRequiredValue(NodeOption),
            IsHead = r.GetValue(HeadOption),
            ClusterId = r.GetRequiredValue(ClusterIdOption),
            Clustering = r.GetRequiredValue(ClusteringOption),
            RedisEndpoint = r.GetValue(RedisOption),
            RedisPasswordEnv = r.GetValue(RedisPasswordEnvOption),
            RedisPasswordFile = r.GetValue(RedisPasswordFileOption),
            RedisUserEnv = r.GetValue(RedisUserEnvOption),
            RedisUserFile = r.GetValue(RedisUserFileOption),
            AdvertisedAddress = r.GetRequiredValue(AddressOption),
            SiloPort = siloPort,
            GatewayPort = r.GetValue(GatewayPortOption),
            MetricsPort = r.GetValue(MetricsPortOption),
            DataPort = r.GetValue(DataPortOption),
            PrimarySiloPort = r.GetValue(PrimaryPortOption) ?? siloPort,
            VirtualGpus = r.GetValue(VirtualGpusOption),
            TorchThreads = r.GetValue(TorchThreadsOption),
            VirtualGpuMemoryBytes = gpuMemory,
            NvidiaSmiPath = r.GetRequiredValue(NvidiaSmiOption),
            TlsDirectory = r.GetValue(TlsDirOption),
        };

        IHost host;
        try
        {
            host = AgentHost.Build(options);
        }
        catch (ArgumentException ex)
        {
            return _console.Fail(ExitCodes.InvalidArguments, ex.Message);
        }
        catch (ClusterTlsException ex)
        {
            return _console.Fail(ExitCodes.FileError, ex.Message);
        }

        using (host)
        {
            await host.StartAsync(cancellationToken);
            _console.Human($"agent {options.NodeName}{(options.IsHead ? " (head)" : "")} up: silo {options.AdvertisedAddress}:{options.SiloPort}, gateway {options.GatewayPort}, {(options.TlsDirectory is null ? "no TLS (plain TCP: anyone who knows the cluster id can connect)" : "mutual TLS")}, {(options.VirtualGpus > 0 ? $"{options.VirtualGpus} virtual GPUs" : "GPUs from nvidia-smi")}");
            await host.WaitForShutdownAsync(cancellationToken);
        }

        return ExitCodes.Success;
    }
}
