using Hunyuan.Model.Config;

namespace Hunyuan.Model.Parallel;

/// <summary>The part of one checkpoint tensor a rank reads: entries Start..Start+Count-1 along Dim (whole when Dim is -1).</summary>
public sealed record TensorSlice(TensorSpec Spec, int Dim, long Start, long Count)
{
    public bool IsWhole => Dim < 0 || (Start == 0 && Count == Spec.Shape[Dim]);

    public long[] Shape
    {
        get
        {
            var shape = (long[])Spec.Shape.Clone();
            if (Dim >= 0)
            {
                shape[Dim] = Count;
            }

            return shape;
        }
    }

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
