namespace Hunyuan.Provisioning.Preflight;

/// <summary>What a host must offer before anything is installed on it.</summary>
public sealed class PreflightOptions
{
    /// <summary>Free space under the login's home, for the agent, its logs and (docker) the image layers it pulls.</summary>
    public long MinFreeDiskBytes { get; init; } = 20L << 30;

    /// <summary>TCP ports that must be free because nothing of this cluster listens there yet (agent, Redis, endpoint, container sshd).</summary>
    public IReadOnlyList<int> PortsThatMustBeFree { get; init; } = [];

    public void Validate()
    {
        if (MinFreeDiskBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinFreeDiskBytes), MinFreeDiskBytes, "must be zero or more");
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
