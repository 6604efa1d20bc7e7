using System.Net;
using Hunyuan.Engine.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Hunyuan.Grains.Hosting;

/// <summary>
/// How the CLI reaches a cluster: gateway endpoints (localhost clusters, or any cluster's gateways), or Redis
/// membership (the password from an environment variable). Written by `up` into the cluster state file. With a
/// <see cref="TlsDirectory"/> the client presents the certificate of <see cref="TlsIdentity"/> there and accepts only
/// gateways with a cluster certificate; without one it speaks plain TCP (agents started by hand without TLS).
/// </summary>
public sealed record ClusterConnection(
    string ClusterId,
    string ServiceId,
    IReadOnlyList<string> Gateways,
    string? RedisEndpoint = null,
    string? RedisPasswordEnv = null,
    string? RedisPasswordFile = null,
    string? TlsDirectory = null,
    string TlsIdentity = ClusterTlsFiles.ClientIdentity)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connects an Orleans client; throws <see cref="ClusterUnreachableException"/> with the gateways named when none
    /// answers within the timeout, and saying so when this client's certificate is missing or not the cluster's.
    /// </summary>
    public async Task<IHost> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ClusterTls? tls = null;
        if (TlsDirectory is not null)
        {
            try
            {
                tls = ClusterTls.Load(TlsDirectory, TlsIdentity);
            }
            catch (ClusterTlsException e)
            {
                throw new ClusterUnreachableException($"cannot connect to the cluster '{ClusterId}' with TLS: {e.Message}");
            }
        }

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

            if (tls is not null)
            {
                client.UseTls(tls.Certificate, o => OrleansTls.ConfigureClient(o, tls));
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
            var refusal = tls is null || cancellationToken.IsCancellationRequested ? null : await TlsRefusalAsync(tls);
            throw new ClusterUnreachableException(refusal is not null
                ? $"the TLS handshake with the cluster '{ClusterId}' failed: {refusal}. The client certificate (or ca.pem) in {TlsDirectory} is not the cluster's (run `hyc up` again on the machine that made the cluster to issue them, or use that machine's tls directory with --tls-dir)"
                : $"cannot reach the cluster '{ClusterId}' through {where}: {ex.GetBaseException().Message}");
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

    // Why the client could not connect, when a gateway answers but one side refuses the other's certificate; null otherwise.
    private async Task<string?> TlsRefusalAsync(ClusterTls tls)
    {
        foreach (var gateway in Gateways.Take(3))
        {
            var result = await ClusterTlsProbe.ProbeAsync(tls, ParseEndpoint(gateway), ProbeTimeout);
            if (result.Connected)
            {
                return result.Accepted ? null : result.Problem;
            }
        }

        return null;
    }
}

public sealed class ClusterUnreachableException(string message) : Exception(message);
