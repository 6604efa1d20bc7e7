using System.Net;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Security;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Placement;
using Hunyuan.Grains.Processes;
using Hunyuan.Grains.Ranks;
using Hunyuan.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Hunyuan.Grains.Hosting;

/// <summary>The agent: a Generic Host running one Orleans silo for this node, plus the node's heartbeat.</summary>
public static class AgentHost
{
    /// <summary>Throws <see cref="ArgumentException"/> for bad options and <see cref="ClusterTlsException"/> when the node's TLS files are missing or not the cluster's.</summary>
    public static IHost Build(AgentOptions options, Action<ILoggingBuilder>? logging = null)
    {
        options.Validate();

        // CUDA numbers devices fastest first by default, NVML and nvidia-smi by PCI bus: on mixed GPUs the report's
        // position N would not be cuda:N. PCI order makes them agree; set before libtorch initialises CUDA.
        if (options.VirtualGpus == 0 && Environment.GetEnvironmentVariable("CUDA_DEVICE_ORDER") is null)
        {
            Environment.SetEnvironmentVariable("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        }

        if (options.TorchThreads > 0)
        {
            TorchSharp.torch.set_num_threads(options.TorchThreads);
        }

        var tls = options.TlsDirectory is { } tlsDirectory ? ClusterTls.Load(tlsDirectory, ClusterTlsFiles.NodeIdentity(options.NodeName)) : null;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(c =>
            {
                // UTC ISO-8601 first on every line: `hyc logs --since` filters by it, and hosts in other time zones agree.
                c.SingleLine = true;
                c.UseUtcTimestamp = true;
                c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";

                // The scopes hold the trace and span ids of the grain call or step a line belongs to.
                c.IncludeScopes = true;
            }).SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Hunyuan", LogLevel.Information);

            // Startup notes that do not apply here (ServerGC on 2 cores, the watchdog's first tick) and placement
            // retries while a node's silo is still joining are not worth a user's attention.
            builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
            builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
            builder.Logging.AddFilter("Polly", LogLevel.Error);
        }

        HycTracing.Add(builder.Services, builder.Logging, "hyc-agent", options.NodeName);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        if (tls is not null)
        {
            // This node's identity, for other TLS users in the agent (the ranks' data channels).
            builder.Services.AddSingleton(_ => tls);
        }

        // Virtual GPUs compute on the CPU: the in-process hub. Real ones are this process's CUDA devices (a rank's slot N
        // is cuda:N), so NCCL when every one is a GPU and libnccl.so.2 loads; decided once, lazily, when a rank first asks.
        builder.Services.AddSingleton<ICollectiveBackend>(_ => options.VirtualGpus > 0 || !TorchSharp.torch.cuda.is_available()
            ? CollectiveBackends.InProcess
            : CollectiveBackends.ForNode(Enumerable.Range(0, TorchSharp.torch.cuda.device_count()).Select(i => new TorchSharp.torch.Device(TorchSharp.DeviceType.CUDA, i)).ToList()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(SupervisionOptions.ClockKey, (sp, _) => sp.GetRequiredService<TimeProvider>());
        var supervision = new SupervisionOptions();
        supervision.Validate();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(supervision));
        builder.Services.AddSingleton<LocalHubRegistry>();
        builder.Services.AddSingleton(sp => new RankDataServer(IPAddress.Parse(options.AdvertisedAddress), options.DataPort, sp.GetRequiredService<ILogger<RankDataServer>>()));
        builder.Services.AddHostedService<DataPlaneService>();
        builder.Services.AddSingleton<Metrics.AgentMetrics>();
        builder.Services.AddHostedService<Metrics.AgentMetricsServer>();
        builder.Services.AddSingleton<IProcessRunner, ProcessRunner>();
        builder.Services.AddSingleton<IGpuProbe>(sp =>
            GpuProbes.ForThisHost(options.VirtualGpus, options.VirtualGpuMemoryBytes, sp.GetRequiredService<IProcessRunner>(), options.NvidiaSmiPath));
        builder.Services.AddHostedService<NodeReporterService>();
        builder.UseOrleans(silo =>
        {
            if (options.Clustering == "localhost")
            {
                var primary = options.PrimarySiloPort == options.SiloPort ? null : new IPEndPoint(IPAddress.Loopback, options.PrimarySiloPort);
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
                silo.AddMemoryGrainStorage(Deployments.DeploymentStorage.Name);
            }
            else
            {
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisConfiguration(options.RedisEndpoint!, options.RedisPasswordEnv, options.RedisPasswordFile, options.RedisUserEnv, options.RedisUserFile));
                silo.AddRedisGrainStorage(Deployments.DeploymentStorage.Name, o => o.ConfigurationOptions = RedisConfiguration(options.RedisEndpoint!, options.RedisPasswordEnv, options.RedisPasswordFile, options.RedisUserEnv, options.RedisUserFile));
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            }

            if (tls is not null)
            {
                silo.UseTls(tls.Certificate, o => OrleansTls.ConfigureSilo(o, tls));
            }

            silo.Configure<SiloOptions>(o => o.SiloName = SiloNames.For(options.NodeName, options.IsHead));
            if (options.IsHead)
            {
                // A restarted head brings back the deployments it had (their specs are in the deployments storage). In
                // the background, retried: the old head may still be in the membership, and start-up must not wait.
                silo.AddStartupTask((services, cancellationToken) =>
                {
                    var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
                    _ = DeploymentRecovery.RunAsync(services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<DeploymentRecoveryLog>>(), lifetime.ApplicationStopping);
                    return Task.CompletedTask;
                });
            }

            // Grain calls carry the caller's trace context (the endpoint's step), so a rank's work joins the request's trace.
            silo.AddActivityPropagation();

            // The default directory can lose the entry of a live activation when the silo holding that entry
            // dies, and a second activation of a head grain or a loaded rank would start empty. The strongly
            // consistent directory recovers entries from the survivors instead.
#pragma warning disable ORLEANSEXP003
            silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
            silo.Configure<ClusterMembershipOptions>(m =>
            {
                // A dead node is declared within about 3 missed probes plus table refresh: under 15 s on a LAN.
                m.ProbeTimeout = options.ProbeTimeout;
                m.NumMissedProbesLimit = 3;
                m.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                m.TableRefreshTimeout = TimeSpan.FromSeconds(5);
                m.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
            });
            silo.Configure<SiloMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromMinutes(5));
            silo.AddPlacementDirector<NodePinnedPlacementStrategy, NodePinnedPlacementDirector>();
            silo.AddPlacementDirector<HeadPlacementStrategy, NodePinnedPlacementDirector>();
        });
        return builder.Build();
    }

    /// <summary>
    /// The StackExchange.Redis options for membership (and grain storage): the user and password each from an
    /// environment variable or a file, never an argument. The client's tie-breaker key and configuration channel are
    /// off (they serve replicated setups), and so are CLIENT SETINFO and the CONFIG GET and CLUSTER NODES of its server
    /// discovery: the agents' ACL user may use none of them, and one Redis needs no discovery.
    /// </summary>
    public static ConfigurationOptions RedisConfiguration(string endpoint, string? passwordEnv, string? passwordFile = null, string? userEnv = null, string? userFile = null)
    {
        var config = ConfigurationOptions.Parse(endpoint);
        config.Password = Secret(passwordEnv, passwordFile) ?? config.Password;
        config.User = Secret(userEnv, userFile) ?? config.User;
        config.TieBreaker = "";
        config.ConfigurationChannel = "";
        config.SetClientLibrary = false;
        config.CommandMap = CommandMap.Create(["CONFIG", "CLUSTER"], available: false);
        config.AbortOnConnectFail = false;
        return config;
    }

    private static string? Secret(string? env, string? file) =>
        env is { Length: > 0 } && Environment.GetEnvironmentVariable(env) is { } value ? value
        : file is { Length: > 0 } && File.Exists(file) ? File.ReadAllText(file).Trim()
        : null;
}
