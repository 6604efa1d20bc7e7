using System.Text.Json;
using Hunyuan.Cluster.Tls;
using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Ssh;

namespace Hunyuan.Cluster.State;

/// <summary>
/// One cluster's directory on this machine, ~/.hyc/clusters/NAME: the state file (cluster.json), the pinned host keys
/// (known_hosts), the cluster key, the cluster's TLS material (tls/), logs and the pid files of local processes, and the
/// lock that makes one `up` or `down` at a time. Every write is whole (temp file, rename) and 0600.
/// </summary>
public sealed class ClusterStore
{
    public ClusterStore(string hycHome, string name)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"cluster name '{name}' must be letters, digits, '-' or '_'");
        }

        Name = name;
        HycHome = hycHome;
        Directory = Path.Combine(hycHome, "clusters", name);
    }

    public string Name { get; }

    /// <summary>The hyc home this cluster's directory is in.</summary>
    public string HycHome { get; }

    public string Directory { get; }

    public string StateFile => Path.Combine(Directory, "cluster.json");

    public string KeyFile => Path.Combine(Directory, "cluster_ed25519");

    public string LogsDirectory => Path.Combine(Directory, "logs");

    /// <summary>The endpoint key `deploy` generated (0600), when the cluster's endpoint was started without one.</summary>
    public string ApiKeyFile => Path.Combine(Directory, State.ApiKeyFile.FileName);

    /// <summary>The cluster CA, the operator's client certificate and the nodes' certificates (<see cref="ClusterTlsStore"/>).</summary>
    public string TlsDirectory => Path.Combine(Directory, "tls");

    public ClusterTlsStore Tls(TimeProvider? time = null) => new(TlsDirectory, Name, time, Renewal);

    /// <summary>Which certificates the runtimes' <see cref="Tls"/> stores may move to the newest CA: the rotation's roll narrows it for one pass at a time.</summary>
    public CertificateRenewal Renewal { get; set; } = CertificateRenewal.Any;

    public KnownHosts KnownHosts => new(Path.Combine(Directory, "known_hosts"));

    /// <summary>The state, or null when there is no cluster of this name. Files of earlier versions are migrated and rewritten once.</summary>
    public ClusterState? Read()
    {
        if (!File.Exists(StateFile))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(StateFile));
        if (doc.RootElement.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number)
        {
            if (v.GetInt32() > ClusterState.CurrentVersion)
            {
                throw new IOException($"{StateFile} was written by a newer hyc (state version {v.GetInt32()}; this one reads up to {ClusterState.CurrentVersion})");
            }

            return doc.RootElement.Deserialize(ClusterStateJson.Default.ClusterState);
        }

        var migrated = LegacyState.Migrate(Name, Directory, doc.RootElement);
        Write(migrated);
        return migrated;
    }

    public void Write(ClusterState state) => PrivateFile.Write(StateFile, JsonSerializer.Serialize(state with { Version = ClusterState.CurrentVersion }, ClusterStateJson.Default.ClusterState));

    /// <summary>Holds the cluster's .lock for one `up` or `down` at a time (the OS releases it if hyc dies); null when another run holds it.</summary>
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

        var key = ClusterKey.Generate($"hyc-cluster-{Name}");
        PrivateFile.Write(KeyFile, key.ToOpenSsh());
        return (key, true);
    }

    /// <summary>Removes the state file and, with purge, the cluster key and TLS material; known_hosts stays, the hosts' identities are still worth pinning.</summary>
    public IReadOnlyList<string> Remove(bool purge)
    {
        var removed = new List<string>();
        foreach (var file in purge ? new[] { StateFile, KeyFile } : [StateFile])
        {
            if (File.Exists(file))
            {
                File.Delete(file);
                removed.Add(file);
            }
        }

        if (purge && System.IO.Directory.Exists(TlsDirectory))
        {
            System.IO.Directory.Delete(TlsDirectory, recursive: true);
            removed.Add(TlsDirectory);
        }

        return removed;
    }
}
