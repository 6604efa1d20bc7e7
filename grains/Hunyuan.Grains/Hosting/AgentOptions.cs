using System.Net;

namespace Hunyuan.Grains.Hosting;

/// <summary>
/// The agent (one Orleans silo per node). Defaults suit `hyc up --local`: localhost clustering, loopback, the
/// standard Orleans ports. Secrets are never options: the Redis password comes from the environment variable named
/// by <see cref="RedisPasswordEnv"/>.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>This node's name; grains pinned to it land on this silo.</summary>
    /// <value>The machine name.</value>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Whether this node is the head (deployments, engine and endpoint live there).</summary>
    public bool IsHead { get; set; }

    /// <value>"hunyuan".</value>
    public string ClusterId { get; set; } = "hunyuan";

    /// <value>"hyc".</value>
    public string ServiceId { get; set; } = "hyc";

    /// <summary>"localhost" (development clustering with a primary silo, one machine) or "redis".</summary>
    /// <value>"localhost".</value>
    public string Clustering { get; set; } = "localhost";

    /// <summary>Redis endpoint for membership, "host:port" (clustering = redis).</summary>
    public string? RedisEndpoint { get; set; }

    /// <summary>Name of the environment variable that holds the Redis password; unset means no password.</summary>
    public string? RedisPasswordEnv { get; set; }

    /// <summary>
    /// A file (mode 0600) holding the Redis password: what `up` uses on remote hosts, since an environment assignment
    /// in an SSH command line would show in the remote shell's argv.
    /// </summary>
    public string? RedisPasswordFile { get; set; }

    /// <summary>
    /// The cluster's TLS directory (ca.pem, node-NODE.pem, node-NODE.key): with it the silo requires a cluster certificate
    /// on both its ports and presents its own. Without it the silo speaks plain TCP to anyone who knows the cluster id,
    /// which only tests and hand-started agents do; `up` always gives it.
    /// </summary>
    public string? TlsDirectory { get; set; }

    /// <summary>
    /// The Redis ACL user, from an environment variable or a 0600 file like the password (`up` gives the agents a user
    /// of their own with only the commands Orleans needs); neither means Redis's default user.
    /// </summary>
    public string? RedisUserEnv { get; set; }

    /// <inheritdoc cref="RedisUserEnv"/>
    public string? RedisUserFile { get; set; }

    /// <summary>Address other silos and clients reach this silo on.</summary>
    /// <value>127.0.0.1.</value>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <value>11111.</value>
    public int SiloPort { get; set; } = 11111;

    /// <value>30000.</value>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Port of the agent's Prometheus /metrics, on the advertised address; 0 serves none.</summary>
    /// <value>0.</value>
    public int MetricsPort { get; set; }

    /// <summary>
    /// Port of the node's rank data plane (steps from the serving endpoint, activations between stages), on the advertised
    /// address; 0 takes a free one, which the node reports to the head.
    /// </summary>
    /// <value>0.</value>
    public int DataPort { get; set; }

    /// <summary>Localhost clustering: the primary silo's port (this silo's own port makes it the primary).</summary>
    /// <value>11111.</value>
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>Virtual GPUs to declare when the host has no nvidia-smi (CPU hosts); 0 probes nvidia-smi.</summary>
    /// <value>0.</value>
    public int VirtualGpus { get; set; }

    /// <summary>Memory budget of each virtual GPU.</summary>
    /// <value>16 GiB.</value>
    public long VirtualGpuMemoryBytes { get; set; } = 16L << 30;

    /// <value>"nvidia-smi".</value>
    public string NvidiaSmiPath { get; set; } = "nvidia-smi";

    /// <summary>
    /// Torch intra-op threads of this agent's ranks; 0 keeps libtorch's default (every core). Several agents on one host
    /// (`up --local --nodes N`) each get a share, or their thread pools fight over the same cores.
    /// </summary>
    /// <value>0.</value>
    public int TorchThreads { get; set; }

    /// <summary>How often the node reports to its NodeGrain.</summary>
    /// <value>2 seconds.</value>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Failure detection: silos probe each other this often; a dead node is declared within about 3 probes plus a vote.</summary>
    /// <value>2 seconds.</value>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws with every problem found, each naming the option.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(NodeName) || NodeName.Contains('|', StringComparison.Ordinal) || NodeName.StartsWith(SiloNames.HeadPrefix, StringComparison.Ordinal))
        {
            problems.Add($"--node '{NodeName}' must be non-empty, without '|' and not start with '{SiloNames.HeadPrefix}'");
        }

        if (Clustering is not ("localhost" or "redis"))
        {
            problems.Add($"--clustering '{Clustering}' must be localhost or redis");
        }

        if (Clustering == "redis" && string.IsNullOrWhiteSpace(RedisEndpoint))
        {
            problems.Add("--redis host:port is required with --clustering redis");
        }

        if (RedisPasswordEnv is { Length: > 0 } env && Environment.GetEnvironmentVariable(env) is null)
        {
            problems.Add($"--redis-password-env {env}: that environment variable is not set");
        }

        if (RedisPasswordFile is { Length: > 0 } file && !File.Exists(file))
        {
            problems.Add($"--redis-password-file {file}: no such file");
        }

        if (TlsDirectory is { } tls && !Directory.Exists(tls))
        {
            problems.Add($"--tls-dir {tls}: no such directory");
        }

        if (RedisUserEnv is { Length: > 0 } userEnv && Environment.GetEnvironmentVariable(userEnv) is null)
        {
            problems.Add($"--redis-user-env {userEnv}: that environment variable is not set");
        }

        if (RedisUserFile is { Length: > 0 } userFile && !File.Exists(userFile))
        {
            problems.Add($"--redis-user-file {userFile}: no such file");
        }

        if (!IPAddress.TryParse(AdvertisedAddress, out var ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.None))
        {
            problems.Add($"--address '{AdvertisedAddress}' must be a concrete IP address");
        }

        foreach (var (name, port) in new[] { ("--silo-port", SiloPort), ("--gateway-port", GatewayPort), ("--primary-port", PrimarySiloPort) })
        {
            if (port is < 1 or > 65535)
            {
                problems.Add($"{name} {port} is not a TCP port");
            }
        }

        if (SiloPort == GatewayPort)
        {
            problems.Add("--silo-port and --gateway-port must differ");
        }

        if (MetricsPort is < 0 or > 65535 || (MetricsPort != 0 && (MetricsPort == SiloPort || MetricsPort == GatewayPort)))
        {
            problems.Add($"--metrics-port {MetricsPort} must be 0 (none) or a TCP port other than the silo's and the gateway's");
        }

        if (DataPort is < 0 or > 65535 || (DataPort != 0 && (DataPort == SiloPort || DataPort == GatewayPort || DataPort == MetricsPort)))
        {
            problems.Add($"--data-port {DataPort} must be 0 (any free port) or a TCP port other than the silo's, the gateway's and the metrics'");
        }

        if (VirtualGpus < 0 || (VirtualGpus > 0 && VirtualGpuMemoryBytes <= 0))
        {
            problems.Add("--virtual-gpus must be 0 or more, each with a positive --virtual-gpu-memory");
        }

        if (TorchThreads < 0)
        {
            problems.Add($"--torch-threads {TorchThreads} must be 0 (libtorch's default) or more");
        }

        if (HeartbeatPeriod <= TimeSpan.Zero || ProbeTimeout <= TimeSpan.Zero)
        {
            problems.Add("heartbeat and probe periods must be positive");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
    }
}
