using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tokenization;

namespace Hunyuan.Model.Checkpoints;

/// <summary>
/// The built-in models ("tiny", "mini"): random checkpoints of a fixed seed, created once under HYC_HOME/models/NAME
/// by whichever process needs one. The seed makes every host's copy identical, so a deployment carries the name and
/// each node makes its own rather than needing the operator's path to exist everywhere.
/// </summary>
public static class BuiltInModels
{
    public static IReadOnlyDictionary<string, RandomModelOptions> All { get; } = new Dictionary<string, RandomModelOptions>(StringComparer.Ordinal)
    {
        ["tiny"] = RandomModelOptions.Tiny,
        ["mini"] = RandomModelOptions.Mini,
    };

    /// <summary>This process's HYC_HOME: $HYC_HOME, else ~/.hyc. On a node that is the agent's, not the operator's.</summary>
    public static string DefaultHome => Environment.GetEnvironmentVariable("HYC_HOME") is { Length: > 0 } home
        ? home
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hyc");

    /// <summary>True when the argument means a built-in model: its name, and no file or directory of that name here.</summary>
    public static bool IsBuiltIn(string nameOrPath) =>
        All.ContainsKey(nameOrPath) && !Directory.Exists(nameOrPath) && !File.Exists(nameOrPath);

    public static string DirectoryOf(string name, string hycHome) => Path.Combine(hycHome, "models", name);

    /// <summary>
    /// A directory or file is returned as given; a built-in name becomes its directory under hycHome, created (or
    /// rebuilt, when an older version made it with other shapes) if need be. Safe against other processes doing the
    /// same at once: each builds in its own staging directory and renames it into place; a loser of that race uses the
    /// winner's copy, which has the same weights.
    /// </summary>
    public static string Resolve(string nameOrPath, string hycHome, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        ArgumentNullException.ThrowIfNull(hycHome);
        if (!IsBuiltIn(nameOrPath))
        {
            return nameOrPath;
        }

        var options = All[nameOrPath];
        var dir = Path.GetFullPath(DirectoryOf(nameOrPath, hycHome));
        if (IsCurrent(dir, options))
        {
            return dir;
        }

        if (Directory.Exists(dir))
        {
            progress?.Invoke($"the built-in '{nameOrPath}' model in {dir} has other shapes than this version's; recreating it");
            Discard(dir, options);
        }

        progress?.Invoke($"creating the built-in '{nameOrPath}' model (random weights, seed {options.Seed}) in {dir}");
        Create(dir, options);
        return dir;
    }

    /// <summary>Complete and made by this version: the same config, the tokenizer when the vocabulary holds one, the weights.</summary>
    public static bool IsCurrent(string dir, RandomModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configPath = Path.Combine(dir, HunyuanConfig.FileName);
        try
        {
            if (!File.Exists(configPath) || File.ReadAllText(configPath) != options.ToConfig().ToJson())
            {
                return false;
            }
        }
        catch (IOException)
        {
            // Replaced under us by another process: treat as absent and let the rename race decide.
            return false;
        }

        var needsTokenizer = options.Vocab >= TinyTokenizer.RequiredVocabulary;
        return (!needsTokenizer || HunyuanTokenizer.Exists(dir)) && SafeTensorsCheckpoint.Exists(dir);
    }

    private static void Create(string dir, RandomModelOptions options)
    {
        var models = Path.GetDirectoryName(dir)!;
        var staging = Path.Combine(models, $".{Path.GetFileName(dir)}.{Guid.NewGuid():N}.staging");
        var built = Path.Combine(staging, Path.GetFileName(dir));
        try
        {
            RandomCheckpointWriter.Write(built, options);
            try
            {
                Directory.Move(built, dir);
            }
            catch (IOException) when (IsCurrent(dir, options))
            {
                // Another process won the race; its copy is identical (same seed).
            }
        }
        finally
        {
            TryDelete(staging);
        }
    }

    // Renamed aside first, so a concurrent reader or creator never sees a half-deleted directory under the real name.
    private static void Discard(string dir, RandomModelOptions options)
    {
        if (IsCurrent(dir, options))
        {
            // Another process replaced it since we looked; keep theirs.
            return;
        }

        var aside = Path.Combine(Path.GetDirectoryName(dir)!, $".{Path.GetFileName(dir)}.{Guid.NewGuid():N}.stale");
        try
        {
            Directory.Move(dir, aside);
        }
        catch (IOException)
        {
            // Someone else moved or replaced it already.
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        TryDelete(aside);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
