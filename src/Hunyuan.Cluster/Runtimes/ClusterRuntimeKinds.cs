namespace Hunyuan.Cluster.Runtimes;

/// <summary>The runtime names written into cluster.json; <see cref="ClusterRuntimes.FromState"/> is the one place that maps them back.</summary>
public static class ClusterRuntimeKinds
{
    public const string Local = "local";

    public const string SshProcess = "ssh-process";

    public const string SshDocker = "ssh-docker";
}
