namespace Hunyuan.Cluster.Logs;

/// <summary>What `hyc debug-bundle` wrote: the file, its entries, and each host it could not read (the bundle holds the error too).</summary>
public sealed record DebugBundleReport(string Path, IReadOnlyList<string> Entries, IReadOnlyDictionary<string, string> HostErrors, int SecretsRedacted);
