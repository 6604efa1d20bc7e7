using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// torch._scaled_mm, which TorchSharp does not bind, through one TorchScript compilation unit made on first use.
/// A TorchScript compile error aborts the process (it cannot be caught), so only this constant source is ever
/// compiled, and a test compiles it. out_dtype is given as its ScalarType code (5 half, 6 float, 15 bfloat16): a
/// dtype literal does not compile through TorchSharp.
/// </summary>
public static class ScaledMm
{
    // The closing newline matters: TorchScript's parser wants one after the last statement.
    public const string Source = """
        def mm_f16(a: Tensor, b: Tensor, scale_a: Tensor, scale_b: Tensor) -> Tensor:
            return torch._scaled_mm(a, b, scale_a=scale_a, scale_b=scale_b, out_dtype=5)

        def mm_f32(a: Tensor, b: Tensor, scale_a: Tensor, scale_b: Tensor) -> Tensor:
            return torch._scaled_mm(a, b, scale_a=scale_a, scale_b=scale_b, out_dtype=6)

        def mm_bf16(a: Tensor, b: Tensor, scale_a: Tensor, scale_b: Tensor) -> Tensor:
            return torch._scaled_mm(a, b, scale_a=scale_a, scale_b=scale_b, out_dtype=15)

        """;

    private static readonly Lazy<torch.jit.CompilationUnit> Unit = new(() => torch.jit.compile(Source), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>(a @ b) * scaleA * scaleB in <paramref name="outDtype"/>: a [M, K] and b [K, N] e4m3, b column-major (a transposed row-major weight).</summary>
    public static torch.Tensor Multiply(torch.Tensor a, torch.Tensor b, double scaleA, double scaleB, torch.ScalarType outDtype)
    {
        var function = outDtype switch
        {
            torch.ScalarType.Float16 => "mm_f16",
            torch.ScalarType.Float32 => "mm_f32",
            torch.ScalarType.BFloat16 => "mm_bf16",
            _ => throw new NotSupportedException($"scaled_mm output in {outDtype}"),
        };
        using var sa = torch.tensor((float)scaleA, torch.ScalarType.Float32, device: a.device);
        using var sb = torch.tensor((float)scaleB, torch.ScalarType.Float32, device: a.device);
        return Unit.Value.invoke<torch.Tensor>(function, a, b, sa, sb);
    }
}
