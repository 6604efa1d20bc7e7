namespace Hunyuan.Cluster.Services;

/// <summary>Why an application-layer call failed, as far as the caller must tell them apart (the CLI maps each to an exit code).</summary>
public enum ClusterFailure
{
    /// <summary>Options that make no sense (a bad size, a name, both --local and a host list).</summary>
    InvalidArguments,

    /// <summary>A file the work needs cannot be read or written (the host list, the agent bundle).</summary>
    FileError,

    /// <summary>No gateway of the cluster answered, or there is no such cluster on this machine.</summary>
    Unreachable,

    /// <summary>The deployment cannot be placed, or a rank failed.</summary>
    DeployFailed,

    /// <summary>Waited past the deadline.</summary>
    Timeout,

    /// <summary>Some host was not brought to the wanted state.</summary>
    ProvisionFailed,

    /// <summary>Another `up` or `down` of the same cluster holds its lock.</summary>
    Busy,
}
