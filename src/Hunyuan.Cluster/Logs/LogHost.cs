using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Logs;

/// <summary>
/// Where one node's logs can be read: a shell on the machine that holds them (SSH for hosts, /bin/sh here for a local
/// cluster), the files of that directory that belong to the node, and extra one-shot sources (a container's own log).
/// A host that could not be reached has no shell and says why.
/// </summary>
public sealed class LogHost(string node, IHostShell? shell, string? error, Func<string, bool> owns, IDisposable? connection = null) : IDisposable
{
    public string Node { get; } = node;

    public IHostShell? Shell { get; } = shell;

    public string? Error { get; } = error;

    /// <summary>Commands whose whole output is a log of this node but no file of it (`docker logs` of Redis's container), by name.</summary>
    public IReadOnlyDictionary<string, string> Commands { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether a log file (its name, such as agent.log) belongs to this node.</summary>
    public bool Owns(string file) => owns(file);

    public static LogHost Unreachable(string node, string error) => new(node, null, error, _ => false);

    public void Dispose() => connection?.Dispose();
}
