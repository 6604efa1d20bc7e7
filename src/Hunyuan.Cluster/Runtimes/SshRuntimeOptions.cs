using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>How the SSH runtimes connect: host keys, timeouts, and the ports and limits every host shares.</summary>
public sealed class SshRuntimeOptions
{
    /// <summary>Trust and record host keys never seen before (a changed key is always refused).</summary>
    public bool AcceptNewHostKeys { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public ProvisionOptions Provision { get; init; } = new();

    public void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("--connect-timeout must be at least 1");
        }

        Provision.Validate();
    }
}
