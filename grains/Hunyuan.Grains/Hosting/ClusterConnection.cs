using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Hunyuan.Grains.Hosting;

/// <summary>
/// How the CLI reaches a cluster: gateway endpoints (localhost clusters, or any cluster's gateways), or Redis
/// membership (the password from an environment variable). Written by `up` into the cluster state file.
/// </summary>
public sealed record ClusterConnection(string ClusterId, string ServiceId, IReadOnlyList<string> Gateways, string? RedisEndpoint = null, string? RedisPasswordEnv = null, string? RedisPasswordFile = null)
{
    /// <summary>Connects an Orleans client; throws with the gateways named when none answers within the timeout.</summary>
    public async Task<IHost> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            if (RedisEndpoint is not null)
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = AgentHost.RedisConfiguration(RedisEndpoint, RedisPasswordEnv, RedisPasswordFile));
            }
            else
            {
                client.UseStaticClustering(Gateways.Select(ParseEndpoint).ToArray());
            }

            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.Configure<ClientMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromMinutes(5));
            client.Configure<GatewayOptions>(g => g.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));

            // Grain calls carry the caller's trace context (the endpoint's step span), so the ranks' work joins it.
            client.AddActivityPropagation();
        });
        var host = builder.Build();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await host.StartAsync(cts.Token);
            return host;
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException or TimeoutException or System.Net.Sockets.SocketException)
        {
            host.Dispose();
            var where = RedisEndpoint is not null ? $"Redis {RedisEndpoint}" : $"gateway(s) {string.Join(", ", Gateways)}";
            throw new ClusterUnreachableException($"cannot reach the cluster '{ClusterId}' through {where}: {ex.GetBaseException().Message}");
        }
    }

    public static IPEndPoint ParseEndpoint(string text)
    {
        var at = text.LastIndexOf(':');
        if (at <= 0 || !int.TryParse(text[(at + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw new ArgumentException($"gateway '{text}' is not host:port");
        }

        var host = text[..at];
        var ip = IPAddress.TryParse(host, out var parsed) ? parsed : Dns.GetHostAddresses(host).First();
        return new IPEndPoint(ip, port);
    }
}

public sealed class ClusterUnreachableException(string message) : Exception(message);
