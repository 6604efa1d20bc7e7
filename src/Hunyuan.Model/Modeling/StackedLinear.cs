using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Several linears over the same input run as one matmul (q/k/v, gate/up), which on CPU saves a dispatch and a
/// pass over the input per part. Dense parts, and int8 parts with their row scales, are concatenated into one weight; other kinds (fp8 with
/// per-tensor scales) run part by part and
/// their outputs are concatenated.
/// </summary>
public static class StackedLinear
{
    public static ILinear Of(params ILinear[] parts)
    {
        if (parts.Length == 1)
        {
            return parts[0];
        }

        if (parts.All(p => p is DenseLinear))
        {
            var weight = torch.cat(parts.Select(p => ((DenseLinear)p).Weight).ToList(), 0).DetachFromDisposeScope();
            foreach (var p in parts)
            {
                p.Dispose();
            }

            return new DenseLinear(weight);
        }

        if (parts.All(p => p is Int8RowLinear))
        {
            var weight = torch.cat(parts.Select(p => ((Int8RowLinear)p).Weight).ToList(), 0).DetachFromDisposeScope();
            var scales = torch.cat(parts.Select(p => ((Int8RowLinear)p).Scales).ToList(), 0).DetachFromDisposeScope();
            foreach (var p in parts)
            {
                p.Dispose();
            }

            return new Int8RowLinear(weight, scales);
        }

        return new ConcatenatedLinear(parts);
    }

    private sealed class ConcatenatedLinear(ILinear[] parts) : ILinear
    {
        public long OutFeatures => parts.Sum(p => p.OutFeatures);

        public long InFeatures => parts[0].InFeatures;

        public long ResidentBytes => parts.Sum(p => p.ResidentBytes);

        public torch.Tensor Forward(torch.Tensor x)
        {
            var outputs = parts.Select(p => p.Forward(x)).ToList();
            try
            {
                return torch.cat(outputs, -1);
            }
            finally
            {
                foreach (var o in outputs)
                {
                    o.Dispose();
                }
            }
        }

        public void Dispose()
        {
            foreach (var p in parts)
            {
                p.Dispose();
            }
        }
    }
}
