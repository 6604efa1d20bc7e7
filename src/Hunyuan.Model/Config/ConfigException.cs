namespace Hunyuan.Model.Config;

/// <summary>A config.json that cannot describe a model we run; the message names the file and the key.</summary>
public sealed class ConfigException(string source, string key, string problem)
    : Exception($"{source}: '{key}': {problem}")
{
    public string ConfigPath { get; } = source;

    public string Key { get; } = key;

    public string Problem { get; } = problem;
}
