using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;

namespace Hunyuan.Model.Checkpoints;

/// <summary>
/// Where this process finds a deployment's model: the built-in's directory under this process's HYC_HOME when the
/// deployment names one (the operator's path means nothing on another host), else the path as given.
/// </summary>
public static class ModelSource
{
    public static string Resolve(string modelPath, string? builtIn) => Resolve(modelPath, builtIn, BuiltInModels.DefaultHome);

    public static string Resolve(string modelPath, string? builtIn, string hycHome, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (builtIn is null)
        {
            return modelPath;
        }

        if (!BuiltInModels.All.ContainsKey(builtIn))
        {
            throw new ArgumentException($"'{builtIn}' is not a built-in model ({string.Join(", ", BuiltInModels.All.Keys)})", nameof(builtIn));
        }

        return BuiltInModels.Resolve(builtIn, hycHome, progress);
    }

    /// <summary>
    /// Why this host cannot load the model directory, or null when it can: config.json present and readable, and the
    /// safetensors file or index present. Cheap (no tensor is read), so every host can be asked before placement.
    /// </summary>
    public static string? Problem(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            return $"{directory}: no such directory";
        }

        var config = Path.Combine(directory, HunyuanConfig.FileName);
        if (!File.Exists(config))
        {
            return $"{config}: no such file";
        }

        try
        {
            using var stream = File.OpenRead(config);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{config}: cannot be read ({ex.Message})";
        }

        return SafeTensorsCheckpoint.Exists(directory)
            ? null
            : $"{directory}: no {SafeTensorsCheckpoint.SingleFileName} or {SafeTensorsCheckpoint.IndexFileName}";
    }
}
