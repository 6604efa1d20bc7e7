using System.Globalization;
using System.Net;
using Hunyuan.Provisioning.Runtimes;
using Hunyuan.Shared;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hunyuan.Provisioning.Inventory;

/// <summary>
/// Reads hosts.yaml (format documented key by key in hosts.example.yaml). Every error names the file, line and key;
/// unknown keys are errors too, since a misspelt key silently ignored is a host configured wrong.
/// </summary>
public static class InventoryParser
{
    private static readonly string[] TopKeys = ["cluster", "ssh", "runtime", "head", "hosts"];
    private static readonly string[] SshKeys = ["user", "port", "identity_file", "password_env", "accept_new_host_keys"];
    private static readonly string[] RuntimeKeys = ["kind", "image", "container_name", "ssh_port", "privileged", "shm_size", "volumes", "libtorch_dir"];
    private static readonly string[] HostKeys = ["address", "user", "port", "identity_file", "gpus", "virtual_gpus", "interface"];

    /// <summary>The login when neither ssh.user nor a host's user is given (with a warning: the agents then run as root).</summary>
    public const string DefaultUser = "root";

    public static HostInventory Load(string path) => Parse(File.ReadAllText(path), path);

    public static HostInventory Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new InventoryException(source, (int)ex.Start.Line, "(file)", $"not valid YAML: {ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InventoryException(source, 1, "(file)", "expected a mapping with cluster, ssh, runtime, head and hosts");
        }

        var r = new Reader(source);
        r.OnlyKeys(root, TopKeys, "");
        var cluster = r.String(root, "cluster", "") ?? "hunyuan";
        if (cluster.Length == 0 || cluster.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw r.Error(root, "cluster", "must be letters, digits, '-' or '_' (it names a directory)");
        }

        var sshNode = r.Mapping(root, "ssh", "");
        if (sshNode is not null)
        {
            r.OnlyKeys(sshNode, SshKeys, "ssh.");
        }

        var sshUser = r.UserName(sshNode, "ssh.");
        var ssh = new SshSettings(
            sshUser ?? DefaultUser,
            r.Port(sshNode, "port", "ssh.") ?? 22,
            r.String(sshNode, "identity_file", "ssh."),
            r.String(sshNode, "password_env", "ssh."),
            r.Bool(sshNode, "accept_new_host_keys", "ssh.") ?? false);
        if (ssh.PasswordEnv is { } env && (env.Length == 0 || env.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_'))))
        {
            throw r.Error(sshNode!, "password_env", "must be the NAME of an environment variable (the password itself never goes in this file)", "ssh.");
        }

        var runtimeNode = r.Mapping(root, "runtime", "");
        if (runtimeNode is not null)
        {
            r.OnlyKeys(runtimeNode, RuntimeKeys, "runtime.");
        }

        if (!HostRuntimeKind.TryParse(r.String(runtimeNode, "kind", "runtime.") ?? HostRuntimeKind.Docker.Name, out var kind))
        {
            throw r.Error(runtimeNode!, "kind", $"must be {string.Join(" or ", HostRuntimeKind.All.Select(k => k.Name))}", "runtime.");
        }

        var runtime = new RuntimeSettings(kind,
            r.String(runtimeNode, "image", "runtime.") ?? "hunyuaninfer/hunyuan-large:infer-open-source",
            r.String(runtimeNode, "container_name", "runtime.") ?? "hunyuanLLM_infer",
            r.Port(runtimeNode, "ssh_port", "runtime.") ?? 36005,
            r.Bool(runtimeNode, "privileged", "runtime.") ?? false,
            r.String(runtimeNode, "shm_size", "runtime.") ?? "64g")
        {
            Volumes = Volumes(r, runtimeNode, source),
            LibTorchDir = LibTorchDir(r, runtimeNode),
        };

        if (!root.Children.TryGetValue(new YamlScalarNode("hosts"), out var hostsNode) || hostsNode is not YamlSequenceNode hostList || hostList.Children.Count == 0)
        {
            throw new InventoryException(source, Line(root), "hosts", "required: a non-empty list of hosts");
        }

        var hosts = new List<HostEntry>();
        var warnings = new List<string>();
        for (var i = 0; i < hostList.Children.Count; i++)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"hosts[{i}].");
            if (hostList.Children[i] is not YamlMappingNode h)
            {
                throw new InventoryException(source, Line(hostList.Children[i]), $"hosts[{i}]", "must be a mapping with at least 'address'");
            }

            r.OnlyKeys(h, HostKeys, prefix);
            var address = r.String(h, "address", prefix) ?? throw new InventoryException(source, Line(h), prefix + "address", "required");
            if (!IPAddress.TryParse(address, out _) && Uri.CheckHostName(address) == UriHostNameType.Unknown)
            {
                throw r.Error(h, "address", $"'{address}' is not an IP address or host name", prefix);
            }

            var gpus = r.Int(h, "gpus", prefix, 0, 1024);
            VirtualGpus? virtualGpus = null;
            if (r.Mapping(h, "virtual_gpus", prefix) is { } v)
            {
                r.OnlyKeys(v, ["count", "memory"], prefix + "virtual_gpus.");
                var count = r.Int(v, "count", prefix + "virtual_gpus.", 1, 1024) ?? throw r.Error(v, "count", "required", prefix + "virtual_gpus.");
                var memory = r.String(v, "memory", prefix + "virtual_gpus.") ?? throw r.Error(v, "memory", "required, such as 16GiB", prefix + "virtual_gpus.");
                virtualGpus = new VirtualGpus(count, ByteSize.TryParse(memory, out var memoryBytes) ? memoryBytes : throw r.Error(v, "memory", $"'{memory}' is not a size such as 16GiB", prefix + "virtual_gpus."));
            }

            if (gpus is not null && virtualGpus is not null)
            {
                throw r.Error(h, "virtual_gpus", "a host has either gpus (from nvidia-smi) or virtual_gpus, not both", prefix);
            }

            var user = r.UserName(h, prefix);
            if (user is null && sshUser is null)
            {
                warnings.Add($"{source}:{Line(h)}: host {address} has no 'user' (nor ssh.user): hyc logs in as {DefaultUser} and runs its agent as {DefaultUser}; name a user to run it as another");
            }

            hosts.Add(new HostEntry(address, user ?? ssh.User, r.Port(h, "port", prefix) ?? ssh.Port,
                r.String(h, "identity_file", prefix) ?? ssh.IdentityFile, gpus, virtualGpus, Interface(r, h, prefix), Line(h)));
        }

        // One agent per address: two entries for one address would start two agents on the same ports under one name.
        var duplicate = hosts.GroupBy(h => h.Address).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InventoryException(source, duplicate.Last().Line, "hosts", $"{duplicate.Key} is listed twice (a host runs one agent)");
        }

        var head = r.String(root, "head", "") ?? hosts[0].Address;
        if (hosts.All(h => h.Address != head))
        {
            throw r.Error(root, "head", $"'{head}' is not one of the hosts");
        }

        if (ssh.IdentityFile is null && ssh.PasswordEnv is null && hosts.Any(h => h.IdentityFile is null))
        {
            throw new InventoryException(source, sshNode is null ? 1 : Line(sshNode), "ssh", "give identity_file or password_env for first contact");
        }

        return new HostInventory(cluster, ssh, runtime, head, hosts, source) { Warnings = warnings };
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    /// <summary>
    /// The cluster address of a host: the address its silo, gateway and (head) Redis bind and advertise, when it is
    /// not the listed one (a separate cluster network). A concrete IP: a wildcard would bind every address.
    /// </summary>
    private static string? Interface(Reader r, YamlMappingNode host, string prefix)
    {
        var text = r.String(host, "interface", prefix);
        return text is null || (IPAddress.TryParse(text, out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any) && !ip.Equals(IPAddress.Broadcast))
            ? text
            : throw r.Error(host, "interface", $"'{text}' is not a concrete IP address of the host (the address its cluster ports bind)", prefix);
    }

    private static List<string> Volumes(Reader r, YamlMappingNode? runtime, string source)
    {
        if (runtime is null || !runtime.Children.TryGetValue(new YamlScalarNode("volumes"), out var node))
        {
            return [];
        }

        if (node is not YamlSequenceNode list)
        {
            throw r.Error(runtime, "volumes", "must be a list such as [\"/data/models:/data/models:ro\"]", "runtime.");
        }

        var volumes = new List<string>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"runtime.volumes[{i}]");
            var text = (list.Children[i] as YamlScalarNode)?.Value ?? "";
            var parts = text.Split(':');
            if (parts.Length is < 2 or > 3 || !parts[0].StartsWith('/') || !parts[1].StartsWith('/') || (parts.Length == 3 && parts[2] is not ("ro" or "rw"))
                || text.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or '\\'))
            {
                throw new InventoryException(source, Line(list.Children[i]), key, $"'{text}' is not /host/path:/container/path[:ro|rw] (absolute paths, no spaces or quotes)");
            }

            volumes.Add(text);
        }

        return volumes;
    }

    private static string? LibTorchDir(Reader r, YamlMappingNode? runtime)
    {
        var dir = r.String(runtime, "libtorch_dir", "runtime.");

        // It goes into the agent's command line on every host: an absolute path, nothing a shell would expand.
        return dir is null || (dir.StartsWith('/') && !dir.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`' or '\\' or '~'))
            ? dir
            : throw r.Error(runtime!, "libtorch_dir", $"'{dir}' is not an absolute path without spaces or quotes (a libtorch lib/ directory on every host)", "runtime.");
    }

    private sealed class Reader(string source)
    {
        public InventoryException Error(YamlMappingNode map, string key, string problem, string prefix = "") =>
            new(source, map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? Line(v) : Line(map), prefix + key, problem);

        public void OnlyKeys(YamlMappingNode map, string[] allowed, string prefix)
        {
            foreach (var k in map.Children.Keys)
            {
                var name = (k as YamlScalarNode)?.Value ?? "?";
                if (!allowed.Contains(name))
                {
                    throw new InventoryException(source, Line(k), prefix + name, $"unknown key (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        public YamlMappingNode? Mapping(YamlMappingNode? map, string key, string prefix)
        {
            if (map is null || !map.Children.TryGetValue(new YamlScalarNode(key), out var v))
            {
                return null;
            }

            return v as YamlMappingNode ?? throw new InventoryException(source, Line(v), prefix + key, "must be a mapping");
        }

        public string? String(YamlMappingNode? map, string key, string prefix)
        {
            if (map is null || !map.Children.TryGetValue(new YamlScalarNode(key), out var v))
            {
                return null;
            }

            return v is YamlScalarNode { Value: { } s } ? s : throw new InventoryException(source, Line(v), prefix + key, "must be a single value");
        }

        /// <summary>
        /// A login name: POSIX's portable user names (letters, digits, '.', '_', '-', not starting with '-'), at most
        /// 32 characters. It goes into ~/.ssh/config on every host, where a newline or space would add options.
        /// </summary>
        public string? UserName(YamlMappingNode? map, string prefix)
        {
            var user = String(map, "user", prefix);
            return user is null || (user.Length is > 0 and <= 32 && user[0] != '-' && user.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                ? user
                : throw Error(map!, "user", $"'{user.ReplaceLineEndings("\\n")}' is not a POSIX user name (letters, digits, '.', '_', '-'; not starting with '-')", prefix);
        }

        public int? Int(YamlMappingNode? map, string key, string prefix, int min, int max)
        {
            var s = String(map, key, prefix);
            if (s is null)
            {
                return null;
            }

            return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n
                : throw Error(map!, key, string.Create(CultureInfo.InvariantCulture, $"must be an integer from {min} to {max}, got '{s}'"), prefix);
        }

        public int? Port(YamlMappingNode? map, string key, string prefix) => Int(map, key, prefix, 1, 65535);

        public bool? Bool(YamlMappingNode? map, string key, string prefix)
        {
            var s = String(map, key, prefix);
            return s switch
            {
                null => null,
                "true" => true,
                "false" => false,
                _ => throw Error(map!, key, $"must be true or false, got '{s}'", prefix),
            };
        }
    }
}
