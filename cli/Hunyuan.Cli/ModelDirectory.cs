using Hunyuan.Model.Checkpoints;

namespace Hunyuan.Cli;

/// <summary>
/// Resolves a model argument: a directory, or a built-in name ("tiny", "mini") whose random checkpoint is created
/// once under ~/.hyc/models/NAME (or $HYC_HOME/models/NAME).
/// </summary>
internal static class ModelDirectory
{
    public static readonly IReadOnlyDictionary<string, RandomModelOptions> BuiltIns = new Dictionary<string, RandomModelOptions>(StringComparer.Ordinal)
    {
        ["tiny"] = RandomModelOptions.Tiny,
        ["mini"] = RandomModelOptions.Mini,
    };

    public static string HycHome => Environment.GetEnvironmentVariable("HYC_HOME") is { Length: > 0 } home
        ? home
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hyc");

    public static string Resolve(string argument, CliConsole console)
    {
        if (Directory.Exists(argument) || File.Exists(argument) || !BuiltIns.TryGetValue(argument, out var options))
        {
            return argument;
        }

        var dir = Path.Combine(HycHome, "models", argument);
        var configPath = Path.Combine(dir, "config.json");
        var wanted = options.ToConfig().ToJson();
        var tokenizerMissing = options.Vocab >= Hunyuan.Model.Tokenization.TinyTokenizer.RequiredVocabulary
            && !Hunyuan.Model.Tokenization.HunyuanTokenizer.Exists(dir);
        if (File.Exists(configPath) && File.ReadAllText(configPath) == wanted && !tokenizerMissing)
        {
            return dir;
        }

        if (Directory.Exists(dir))
        {
            // Made by an older version with other shapes: rebuild it rather than run something the name no longer means.
            console.Human($"the built-in '{argument}' model in {dir} has other shapes than this version's; recreating it");
            Directory.Delete(dir, recursive: true);
        }

        console.Human($"creating the built-in '{argument}' model (random weights, seed {options.Seed}) in {dir}");
        RandomCheckpointWriter.Write(dir, options);
        return dir;
    }
}
