using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// RMSNorm's statistics as the reference writes them: to float32, pow, mean, add eps, rsqrt, multiply, cast back. Six
/// to eight ops (each a kernel launch on a GPU); the in-place ones reuse buffers this kernel created itself.
/// </summary>
public sealed class CompositeRmsNormKernel : RmsNormKernel
{
    public static CompositeRmsNormKernel Instance { get; } = new();

    public override string Name => "composite";

    public override torch.Tensor Normalize(torch.Tensor x, double eps)
    {
        var isFloat = x.dtype == torch.ScalarType.Float32;
        var f = isFloat ? x : x.to(torch.ScalarType.Float32);
        try
        {
            using var squares = f.pow(2);
            using var variance = squares.mean([-1], keepdim: true);
            StepTensors.InPlace(variance, t => t.add_(eps));
            StepTensors.InPlace(variance, t => t.rsqrt_());
            var y = f * variance;
            if (isFloat)
            {
                return y;
            }

            using (y)
            {
                return y.to(x.dtype);
            }
        }
        finally
        {
            if (!isFloat)
            {
                f.Dispose();
            }
        }
    }
}
