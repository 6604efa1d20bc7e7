using System.Text.RegularExpressions;

namespace Hunyuan.Model.Tests.Devices;

/// <summary>
/// Finds torch tensor factories called without a device: every such tensor lands on the CPU, which on a GPU rank is a
/// silent host tensor in the hot path (a cross-device error at best, a slow copy at worst). The *_like factories
/// are not listed: they take the device of the tensor they copy.
/// </summary>
internal static partial class TensorFactoryScan
{
    /// <summary>Files whose tensors are host tensors on purpose, relative to the repository root. Keep each justified.</summary>
    public static readonly IReadOnlyDictionary<string, string> AllowList = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Checkpoint reading: tensors are read into host memory, then ModelLoader moves each finished weight once.
        ["src/Hunyuan.Model/SafeTensors/SafeTensorsFile.cs"] = "reads checkpoint bytes into host tensors",

        // Writes random test checkpoints to disk; never part of a rank.
        ["src/Hunyuan.Model/Checkpoints/RandomCheckpointWriter.cs"] = "makes checkpoint files on the host",

        // Measures the host's memory bandwidth (the CPU roofline); a host buffer is the point.
        ["src/Hunyuan.Model/Benchmarks/MemoryBandwidth.cs"] = "measures host memory bandwidth",
    };

    public static IEnumerable<string> Offenders(string relativePath, string source)
    {
        foreach (Match m in FactoryCall().Matches(source))
        {
            var args = Arguments(source, m.Index + m.Length - 1);
            if (!args.Contains("device:", StringComparison.Ordinal))
            {
                var line = source.AsSpan(0, m.Index).Count('\n') + 1;
                yield return $"{relativePath}:{line}: torch.{m.Groups[1].Value}(...) without device:";
            }
        }
    }

    public static IReadOnlyList<string> ScanTree(string root, params string[] folders)
    {
        var found = new List<string>();
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal) || AllowList.ContainsKey(relative))
                {
                    continue;
                }

                found.AddRange(Offenders(relative, File.ReadAllText(file)));
            }
        }

        return found;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hunyuan.Cluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Hunyuan.Cluster.sln not found above " + AppContext.BaseDirectory);
    }

    // The text between the call's parentheses, nested parentheses included.
    private static string Arguments(string source, int open)
    {
        var depth = 0;
        for (var i = open; i < source.Length; i++)
        {
            depth += source[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0)
            {
                return source[(open + 1)..i];
            }
        }

        return source[(open + 1)..];
    }

    [GeneratedRegex(@"\btorch\.(zeros|ones|empty|full|arange|tensor|eye|rand|randn|randint|randperm|linspace|logspace|from_array|as_tensor|scalar_tensor|frombuffer|empty_strided|tril_indices|triu_indices)\s*\(")]
    private static partial Regex FactoryCall();
}
