namespace Hunyuan.Provisioning.Preflight;

/// <summary>What a host must offer before anything is installed on it.</summary>
public sealed class PreflightOptions
{
    /// <summary>Free space under the login's home, for the agent, its logs and (docker) the image layers it pulls.</summary>
    public long MinFreeDiskBytes { get; init; } = 20L << 30;

    /// <summary>TCP ports that must be free because nothing of this cluster listens there yet (agent, Redis, endpoint, container sshd).</summary>
    public IReadOnlyList<int> PortsThatMustBeFree { get; init; } = [];

    /// <summary>Whether this host runs the cluster's Redis (the head): then its version is checked.</summary>
    public bool RunsRedis { get; init; }

    /// <summary>The Redis image the docker runtime runs (checked when <see cref="RunsRedis"/>); the process runtime runs the host's redis-server.</summary>
    public string RedisImage { get; init; } = "redis:7.2";

    public void Validate()
    {
        if (MinFreeDiskBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinFreeDiskBytes), MinFreeDiskBytes, "must be zero or more");
        }

        if (string.IsNullOrWhiteSpace(RedisImage))
        {
            throw new ArgumentException("the Redis image must be named", nameof(RedisImage));
        }

        foreach (var port in PortsThatMustBeFree)
        {
            if (port is < 1 or > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(PortsThatMustBeFree), port, "a TCP port is 1..65535");
            }
        }
    }
}
