namespace Hunyuan.Cluster.Runtimes;

/// <summary>How a deployment's endpoint process is named (pid, spec and log files): deployment names come from directory names, so only safe characters stay.</summary>
public static class EndpointNames
{
    public static string Process(string deployment) =>
        "serve-" + new string(deployment.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}
