namespace Hunyuan.Model.Variants;

public static class Fp8MatmulPaths
{
    /// <summary>The environment's choice: HYC_FP8_MATMUL = auto (default), upcast, or scaled_mm.</summary>
    public static Fp8MatmulPath FromEnvironment() => Parse(Environment.GetEnvironmentVariable("HYC_FP8_MATMUL"));

    public static Fp8MatmulPath Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => Fp8MatmulPath.Auto,
        "upcast" => Fp8MatmulPath.Upcast,
        "scaled_mm" or "scaled-mm" or "scaledmm" => Fp8MatmulPath.ScaledMm,
        _ => throw new ArgumentException($"HYC_FP8_MATMUL: '{text}' is not auto, upcast or scaled_mm"),
    };
}
