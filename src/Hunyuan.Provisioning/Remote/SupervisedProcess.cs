namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// The files of one managed process in its cluster's directory on a host, as shell words (double-quoted, so
/// <see cref="RemotePaths.Root"/> expands). Names are [A-Za-z0-9_-], safe inside the quotes.
/// </summary>
public sealed record SupervisedProcess(string Cluster, string Name, string CmdlineMarker)
{
    public string Dir => RemotePaths.Cluster(Cluster);

    public string LogFile => $"{Dir}/logs/{Name}.log";

    /// <summary>The supervisor's pid; its presence also lists the process (<see cref="RemoteProcess.ListAsync"/>).</summary>
    public string PidFile => $"\"{Dir}/{Name}.pid\"";

    public string ChildPidFile => $"\"{Dir}/{Name}.child\"";

    public string SpecFile => $"\"{Dir}/{Name}.spec\"";

    /// <summary>The systemd unit, unique per cluster and process on a host.</summary>
    public string UnitName => $"hyc-{Cluster}-{Name}";

    /// <summary>The shell that starts it: private files, its directory made and entered.</summary>
    public string Prepare => $"umask 077 && mkdir -p \"{Dir}/logs\" && cd \"{Dir}\"";

    /// <summary>Forgets it: after a stop, or when what the files name is gone.</summary>
    public string Forget => $"rm -f {PidFile} {ChildPidFile} {SpecFile}";
}
