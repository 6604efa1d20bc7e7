using System.Net;
using Hunyuan.Engine.Collectives;
using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Placement;
using Hunyuan.Grains.Processes;
using Hunyuan.Grains.Ranks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Hunyuan.Grains.Hosting;

/// <summary>The agent: a Generic Host running one Orleans silo for this node, plus the node's heartbeat.</summary>
public static class AgentHost
{
    public static IHost Build(AgentOptions options, Action<ILoggingBuilder>? logging = null)
    {
        options.Validate();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Hunyuan", LogLevel.Information);

            // Startup notes that do not apply here (ServerGC on 2 cores, the watchdog's first tick) and placement
            // retries while a node's silo is still joining are not worth a user's attention.
            builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
            builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
            builder.Logging.AddFilter("Polly", LogLevel.Error);
        }

        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        // Ranks compute on the CPU on this node today, so the in-process hub; once ranks are placed on CUDA devices this
        // becomes CollectiveBackends.ForNode(those devices), which picks NCCL when libnccl.so.2 is on the host.
        builder.Services.AddSingleton<ICollectiveBackend>(CollectiveBackends.InProcess);
        builder.Services.AddSingleton<LocalHubRegistry>();
        builder.Services.AddSingleton<IProcessRunner, ProcessRunner>();
        builder.Services.AddSingleton<IGpuProbe>(sp => options.VirtualGpus > 0
            ? new VirtualGpuProbe(options.VirtualGpus, options.VirtualGpuMemoryBytes)
            : new NvidiaSmiGpuProbe(sp.GetRequiredService<IProcessRunner>(), options.NvidiaSmiPath));
        builder.Services.AddHostedService<NodeReporterService>();
        builder.UseOrleans(silo =>
        {
            if (options.Clustering == "localhost")
            {
                var primary = options.PrimarySiloPort == options.SiloPort ? null : new IPEndPoint(IPAddress.Loopback, options.PrimarySiloPort);
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
            }
            else
            {
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisConfiguration(options.RedisEndpoint!, options.RedisPasswordEnv, options.RedisPasswordFile));
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            }

            silo.Configure<SiloOptions>(o => o.SiloName = SiloNames.For(options.NodeName, options.IsHead));

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

    public static ConfigurationOptions RedisConfiguration(string endpoint, string? passwordEnv, string? passwordFile = null)
    {
        var config = ConfigurationOptions.Parse(endpoint);
        if (passwordEnv is { Length: > 0 } && Environment.GetEnvironmentVariable(passwordEnv) is { } password)
        {
            config.Password = password;
        }
        else if (passwordFile is { Length: > 0 } && File.Exists(passwordFile))
        {
            config.Password = File.ReadAllText(passwordFile).Trim();
        }

        config.AbortOnConnectFail = false;
        return config;
    }
}
