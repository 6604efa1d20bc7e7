using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hunyuan.Model.Config;

/// <summary>Typed reads of config.json keys; every failure names the key.</summary>
internal sealed class ConfigReader(JsonObject root, string source)
{
    public int Int(string key) =>
        OptionalInt(key) ?? throw new ConfigException(source, key, "required key is missing");

    public int? OptionalInt(string key)
    {
        var node = Value(key);
        if (node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<double>(out var d)
            || d != Math.Floor(d) || d > int.MaxValue || d < int.MinValue)
        {
            throw new ConfigException(source, key, $"must be an integer, got {node.ToJsonString()}");
        }

        return (int)d;
    }

    public double? OptionalDouble(string key)
    {
        var node = Value(key);
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.Number
            ? node.GetValue<double>()
            : throw new ConfigException(source, key, $"must be a number, got {node.ToJsonString()}");
    }

    public bool? OptionalBool(string key)
    {
        var node = Value(key);
        return node?.GetValueKind() switch
        {
            null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ConfigException(source, key, $"must be true or false, got {node.ToJsonString()}"),
        };
    }

    public string? OptionalString(string key)
    {
        var node = Value(key);
        if (node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.String
            ? node.GetValue<string>()
            : throw new ConfigException(source, key, $"must be a string, got {node.ToJsonString()}");
    }

    public RopeScaling? RopeScaling(string key)
    {
        var node = Value(key);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject o)
        {
            throw new ConfigException(source, key, "must be an object or null");
        }

        var inner = new ConfigReader(o, source);
        var type = inner.OptionalString("type") ?? throw new ConfigException(source, $"{key}.type", "required key is missing");
        var alpha = inner.OptionalDouble("alpha");
        var factor = inner.OptionalDouble("factor") ?? 1.0;
        if (type != "dynamic")
        {
            throw new ConfigException(source, $"{key}.type", $"\"{type}\" is not supported; Hunyuan models use \"dynamic\" with an alpha (NTK-alpha)");
        }

        if (alpha is not > 0)
        {
            throw new ConfigException(source, $"{key}.alpha", "NTK-alpha needs a positive alpha; dynamic NTK scaling without alpha is not supported");
        }

        return new RopeScaling(type, factor, alpha.Value);
    }

    public QuantizationConfig? Quantization(string key)
    {
        var node = Value(key);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject o)
        {
            throw new ConfigException(source, key, "must be an object");
        }

        var inner = new ConfigReader(o, source);
        var method = inner.OptionalString("quant_method") ?? throw new ConfigException(source, $"{key}.quant_method", "required key is missing");
        if (method != "fp8")
        {
            throw new ConfigException(source, $"{key}.quant_method", $"\"{method}\" is not supported; only \"fp8\" checkpoints are");
        }

        var scheme = inner.OptionalString("activation_scheme") ?? throw new ConfigException(source, $"{key}.activation_scheme", "required key is missing (vLLM requires it too)");
        if (scheme is not ("static" or "dynamic"))
        {
            throw new ConfigException(source, $"{key}.activation_scheme", $"must be \"static\" or \"dynamic\", got \"{scheme}\"");
        }

        return new QuantizationConfig(method, scheme);
    }

    public void Refuse(string key, Func<JsonNode, bool> bad, string problem)
    {
        var node = Value(key);
        if (node is not null && bad(node))
        {
            throw new ConfigException(source, key, problem);
        }
    }

    private JsonNode? Value(string key) => root.TryGetPropertyValue(key, out var node) ? node : null;
}
