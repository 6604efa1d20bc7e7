using Hunyuan.Cluster.Services;

namespace Hunyuan.Cli;

/// <summary>Process exit codes, one table for every command (the README lists it); each command documents which it uses. No code means two things.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A command line that does not parse, or arguments that make no sense together (a bad id list, an unknown dtype), or a cluster busy with another `up`/`down`.</summary>
    public const int InvalidArguments = 2;

    /// <summary>config.json cannot describe a model we run (the message names the key).</summary>
    public const int BadConfig = 3;

    /// <summary>The checkpoint is missing tensors, has wrong shapes or dtypes, or is truncated.</summary>
    public const int BadCheckpoint = 4;

    /// <summary>
    /// A file or directory the command needs does not exist or cannot be written; also any command whose HYC_LIBTORCH_DIR
    /// is refused at start (missing directory or library, a libtorch other than 2.10.x, a hyc carrying its own).
    /// </summary>
    public const int FileError = 5;

    /// <summary>`hyc plan`: the deployment does not fit the GPUs (the verdict says why).</summary>
    public const int DoesNotFit = 6;

    /// <summary>The requested layout cannot work (heads, KV heads, experts, CLA pairs, too few GPUs).</summary>
    public const int InvalidLayout = 7;

    /// <summary>`hyc deploy`: the deployment cannot be placed or a rank failed (the reason is printed).</summary>
    public const int DeployFailed = 8;

    /// <summary>Waited past --timeout.</summary>
    public const int Timeout = 9;

    /// <summary>No gateway or Redis of the cluster answered, or the cluster refused this client at the TLS handshake (its certificate is missing or not the cluster's; the message says which).</summary>
    public const int ClusterUnreachable = 10;

    /// <summary>`hyc preflight`: some host cannot be reached or fails a check (each is named).</summary>
    public const int PreflightFailed = 11;

    /// <summary>`hyc up`/`down HOSTS.yaml`: some host was not brought to the wanted state (each is named with its cause); run again to continue.</summary>
    public const int ProvisionFailed = 12;

    /// <summary>`hyc health`: some checks fail but something still serves.</summary>
    public const int HealthDegraded = 20;

    /// <summary>`hyc health`: nothing serves (unreachable, no alive node, no ready deployment).</summary>
    public const int HealthDown = 21;

    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Cancelled = 130;

    /// <summary>Stopped by SIGTERM (128 + 15), the code the command line returns for a command it gave up on after one.</summary>
    public const int Terminated = 143;

    /// <summary>The exit code of an application-layer failure.</summary>
    public static int For(ClusterFailure failure) => failure switch
    {
        ClusterFailure.InvalidArguments or ClusterFailure.Busy => InvalidArguments,
        ClusterFailure.FileError => FileError,
        ClusterFailure.Unreachable => ClusterUnreachable,
        ClusterFailure.DeployFailed => DeployFailed,
        ClusterFailure.Timeout => Timeout,
        ClusterFailure.ProvisionFailed => ProvisionFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
