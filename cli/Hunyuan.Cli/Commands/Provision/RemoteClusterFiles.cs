using System.Text.Json;
using System.Text.Json.Serialization;
using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Ssh;

namespace Hunyuan.Cli.Commands.Provision;

/// <summary>
/// What `up HOSTS.yaml` keeps on this machine under ~/.hyc/clusters/NAME: the cluster key (generated once, 0600),
/// known_hosts (the host keys pinned for this cluster) and cluster.json (how `status`, `deploy` and `health` reach the
/// cluster: its gateways; 0600, and no password: clients connect through the gateways, not Redis).
/// </summary>
internal sealed class RemoteClusterFiles(string cluster)
{
    public string Directory { get; } = ClusterLocator.ClusterDirectory(cluster);

    public string KeyFile => Path.Combine(Directory, "cluster_ed25519");

    public KnownHosts KnownHosts => new(Path.Combine(Directory, "known_hosts"));

    /// <summary>
    /// Holds ~/.hyc/clusters/NAME/.lock for one `up` or `down` at a time (the OS releases it if hyc dies); null when
    /// another run holds it.
    /// </summary>
    public FileStream? TryLock()
    {
        System.IO.Directory.CreateDirectory(Directory);
        try
        {
            return new FileStream(Path.Combine(Directory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public ClusterKey? ReadKey() => File.Exists(KeyFile) ? ClusterKey.FromOpenSsh(File.ReadAllText(KeyFile)) : null;

    public (ClusterKey Key, bool Created) LoadOrCreateKey()
    {
        if (ReadKey() is { } existing)
        {
            return (existing, false);
        }

        var key = ClusterKey.Generate($"hyc-cluster-{cluster}");
        PrivateFile.Write(KeyFile, key.ToOpenSsh());
        return (key, true);
    }

    public void WriteState(RemoteClusterState state) =>
        PrivateFile.Write(ClusterLocator.StateFile(cluster), JsonSerializer.Serialize(state, RemoteStateJson.Default.RemoteClusterState));

    /// <summary>Removes the state file (down) and, with purge, the cluster key; known_hosts stays, the hosts' identities are still worth pinning.</summary>
    public IReadOnlyList<string> Remove(bool purge)
    {
        var removed = new List<string>();
        foreach (var file in purge ? new[] { ClusterLocator.StateFile(cluster), KeyFile } : [ClusterLocator.StateFile(cluster)])
        {
            if (File.Exists(file))
            {
                File.Delete(file);
                removed.Add(file);
            }
        }

        return removed;
    }
}

/// <summary>cluster.json of a provisioned cluster (ClusterLocator reads cluster_id and gateways).</summary>
internal sealed record RemoteClusterState(string ClusterId, string ServiceId, string[] Gateways, string Head, string Runtime, string Inventory, string AgentBundle, RemoteHostState[] Hosts, DateTimeOffset UpdatedAt);

internal sealed record RemoteHostState(string Address, string Role, string Node, string Gpus);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(RemoteClusterState))]
internal sealed partial class RemoteStateJson : JsonSerializerContext;
