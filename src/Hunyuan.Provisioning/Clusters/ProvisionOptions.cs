namespace Hunyuan.Provisioning.Clusters;

/// <summary>Ports and limits of a provisioned cluster; the same on every host.</summary>
public sealed class ProvisionOptions
{
    public int SiloPort { get; init; } = 11111;

    public int GatewayPort { get; init; } = 30000;

    public int RedisPort { get; init; } = 6379;

    /// <summary>Each agent's Prometheus /metrics, on its cluster address.</summary>
    public int MetricsPort { get; init; } = 9400;

    public long MinFreeDiskBytes { get; init; } = 20L << 30;

    /// <summary>Image of the Redis container (docker runtime only; the process runtime runs the head's redis-server).</summary>
    public string RedisImage { get; init; } = "redis:7.2";

    /// <summary>How long a stopping agent or Redis gets after SIGTERM before SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long `up` or `down` waits for another one's lock on a host before it gives up on that host.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        int[] ports = [SiloPort, GatewayPort, RedisPort, MetricsPort];
        if (ports.Any(p => p is < 1 or > 65535) || ports.Distinct().Count() != ports.Length)
        {
            throw new ArgumentException($"silo, gateway, Redis and metrics ports must be distinct TCP ports (1..65535): {string.Join(", ", ports)}");
        }

        if (MinFreeDiskBytes < 0 || string.IsNullOrWhiteSpace(RedisImage) || StopGrace < TimeSpan.Zero || LockWait < TimeSpan.Zero)
        {
            throw new ArgumentException("minimum free disk, stop grace and lock wait must not be negative, and the Redis image must be named");
        }
    }
}
