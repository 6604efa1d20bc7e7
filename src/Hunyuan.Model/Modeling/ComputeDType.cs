using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>The dtype activations and (unquantized) weights are computed in.</summary>
public static class ComputeDType
{
    /// <summary>Parses "float32"/"fp32"/"f32" and "bfloat16"/"bf16".</summary>
    public static bool TryParse(string? text, out torch.ScalarType dtype)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "float32" or "fp32" or "f32":
                dtype = torch.ScalarType.Float32;
                return true;
            case "bfloat16" or "bf16":
                dtype = torch.ScalarType.BFloat16;
                return true;
            default:
                dtype = default;
                return false;
        }
    }

    public static string Name(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float32 => "float32",
        torch.ScalarType.BFloat16 => "bfloat16",
        _ => dtype.ToString(),
    };
}
