using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>A process `hyc up --local` started: what it is, its pid, its log.</summary>
internal sealed record LocalProcess(string Role, int Pid, string Log);

/// <summary>
/// The local cluster's state under ~/.hyc/clusters/local/: cluster.json (how clients connect, as `up` writes for any
/// cluster) and processes.json (what to stop). Both are written whole (temp file, then rename) with mode 0600.
/// </summary>
internal sealed record LocalClusterState(IReadOnlyList<LocalProcess> Processes, string Endpoint, string Deployment)
{
    public const string Name = "local";

    public static string Directory => ClusterLocator.ClusterDirectory(Name);

    public static string ProcessesFile => Path.Combine(Directory, "processes.json");

    public static LocalClusterState? Read()
    {
        if (!File.Exists(ProcessesFile))
        {
            return null;
        }

        return JsonSerializer.Deserialize(File.ReadAllText(ProcessesFile), LocalStateJson.Default.LocalClusterState);
    }

    public void Write() => PrivateFile.Write(ProcessesFile, JsonSerializer.Serialize(this, LocalStateJson.Default.LocalClusterState));

    public static void WriteConnection(int[] gateways) => PrivateFile.Write(Path.Combine(Directory, "cluster.json"), JsonSerializer.Serialize(
        new LocalConnectionFile("hunyuan", "hyc", gateways.Select(p => $"127.0.0.1:{p}").ToArray()), LocalStateJson.Default.LocalConnectionFile));

    public static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

internal sealed record LocalConnectionFile(string ClusterId, string ServiceId, string[] Gateways);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(LocalClusterState))]
[JsonSerializable(typeof(LocalConnectionFile))]
internal sealed partial class LocalStateJson : JsonSerializerContext;
