using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.SafeTensors;

namespace Hunyuan.Engine.Partitioning;

/// <summary>The checkpoint bytes a rank's slices cover, in the checkpoint's stored dtypes (FP8 scales included).</summary>
public static class CheckpointShare
{
    public static long Bytes(HunyuanConfig config, PartitionSlice slice, SafeTensorsCheckpoint checkpoint)
    {
        long total = 0;
        foreach (var s in SlicedTensors.For(config, slice))
        {
            var info = checkpoint.Get(s.Spec.Name);
            total += s.ElementCount * info.DType.ElementSize();
            if (info.DType == SafeTensorDType.F8_E4M3 && checkpoint.TryGet(TensorNames.WeightScale(s.Spec.Name), out var scale))
            {
                total += scale.ByteLength;
            }
        }

        return total;
    }
}
