using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Loads a model, or one rank's partition of it, from a Hugging Face directory. Every tensor is checked against the
/// shape the config implies before anything is read; a partition then reads only its slices (see
/// <see cref="SlicedTensors"/>). Errors name the file and tensor. FP8 weights (F8_E4M3 with a per-tensor
/// weight_scale) are dequantized exactly at load: w = fp8 * weight_scale.
/// </summary>
public static class ModelLoader
{
    private static readonly SafeTensorDType[] FloatDTypes = [SafeTensorDType.F32, SafeTensorDType.BF16, SafeTensorDType.F16];
    private static readonly SafeTensorDType[] LinearDTypes = [SafeTensorDType.F32, SafeTensorDType.BF16, SafeTensorDType.F16, SafeTensorDType.F8_E4M3];

    public static HunyuanModel Load(string directory, torch.ScalarType dtype, IProgress<double>? progress = null)
    {
        var config = HunyuanConfig.Load(directory);
        using var checkpoint = SafeTensorsCheckpoint.Open(directory);
        return Load(config, checkpoint, dtype, PartitionSlice.Whole(config), SingleRankGroup.Instance, progress);
    }

    public static HunyuanModel Load(
        HunyuanConfig config, SafeTensorsCheckpoint checkpoint, torch.ScalarType dtype, PartitionSlice slice,
        ITensorParallelGroup group, IProgress<double>? progress = null)
    {
        var slices = SlicedTensors.For(config, slice).ToDictionary(s => s.Spec.Name, StringComparer.Ordinal);
        foreach (var s in slices.Values)
        {
            checkpoint.Check(s.Spec.Name, s.Spec.Shape, s.Spec.IsQuantizableLinear ? LinearDTypes : FloatDTypes);
        }

        var reader = new WeightReader(checkpoint, slices, dtype);
        torch.Tensor? embedding = null, norm = null, lmHead = null;
        var layers = new List<DecoderLayer>(slice.LayerCount);
        try
        {
            if (slice.HasEmbedding)
            {
                embedding = reader.Plain(TensorNames.Embedding);
            }

            for (var l = slice.LayerStart; l < slice.LayerEnd; l++)
            {
                layers.Add(LoadLayer(config, reader, slice, l));
                progress?.Report((l - slice.LayerStart + 1) / (double)slice.LayerCount);
            }

            if (slice.HasHead)
            {
                norm = reader.Plain(TensorNames.FinalNorm);
                lmHead = config.TieWordEmbeddings
                    ? embedding ?? reader.Plain(TensorNames.Embedding)
                    : reader.Plain(TensorNames.LmHead);
            }

            return new HunyuanModel(config, dtype, slice, group, embedding, layers, norm, lmHead);
        }
        catch
        {
            embedding?.Dispose();
            norm?.Dispose();
            if (!ReferenceEquals(lmHead, embedding))
            {
                lmHead?.Dispose();
            }

            foreach (var layer in layers)
            {
                layer.Dispose();
            }

            throw;
        }
    }

    private static DecoderLayer LoadLayer(HunyuanConfig c, WeightReader r, PartitionSlice p, int l)
    {
        var isSelf = c.IsSelfLayer(l);
        var attention = new AttentionWeights(
            l, isSelf, p.HeadCount, p.KvHeadCount,
            r.Linear(TensorNames.QProj(l)),
            isSelf ? r.Linear(TensorNames.KProj(l)) : null,
            isSelf ? r.Linear(TensorNames.VProj(l)) : null,
            r.Linear(TensorNames.OProj(l)),
            c.UseQkNorm ? r.Plain(TensorNames.QueryNorm(l)) : null,
            c.UseQkNorm ? r.Plain(TensorNames.KeyNorm(l)) : null);

        MoeWeights? moe = null;
        MlpWeights? dense = null;
        if (c.IsMoe)
        {
            var shared = c.HasSharedExpert && p.MlpCount > 0 ? Mlp(r, proj => TensorNames.SharedMlp(l, proj)) : null;
            var experts = new Dictionary<int, MlpWeights>();
            foreach (var shard in p.Experts)
            {
                experts[shard.Expert] = Mlp(r, proj => TensorNames.Expert(l, shard.Expert, proj));
            }

            moe = new MoeWeights(r.Float32(TensorNames.Router(l)), c.MoeTopK, shared, experts);
        }
        else
        {
            dense = Mlp(r, proj => TensorNames.DenseMlp(l, proj));
        }

        return new DecoderLayer(l, r.Plain(TensorNames.InputNorm(l)), attention, r.Plain(TensorNames.PostAttentionNorm(l)), moe, dense);
    }

    private static MlpWeights Mlp(WeightReader r, Func<string, string> name) =>
        new(r.Linear(name("gate_proj")), r.Linear(name("up_proj")), r.Linear(name("down_proj")));

    private sealed class WeightReader(SafeTensorsCheckpoint checkpoint, IReadOnlyDictionary<string, TensorSlice> slices, torch.ScalarType dtype)
    {
        public torch.Tensor Plain(string name) => Convert(Read(name), dtype);

        public torch.Tensor Float32(string name) => Convert(Read(name), torch.ScalarType.Float32);

        public ILinear Linear(string name)
        {
            var raw = Read(name);
            if (raw.dtype != SafeTensorDTypes.Float8E4M3)
            {
                return new DenseLinear(Convert(raw, dtype));
            }

            using (raw)
            {
                var scaleName = TensorNames.WeightScale(name);
                if (!checkpoint.Contains(scaleName))
                {
                    throw new CheckpointException(checkpoint.Get(name).FilePath, name, $"F8_E4M3 weight without its {scaleName}");
                }

                using var scale = checkpoint.Read(scaleName, null, SafeTensorDType.F32);
                if (scale.NumberOfElements != 1)
                {
                    throw new CheckpointException(checkpoint.Get(scaleName).FilePath, scaleName, $"expected a per-tensor scale (1 element), got shape [{string.Join(", ", scale.shape)}]");
                }

                using var wide = raw.to(torch.ScalarType.Float32);
                using var dequantized = wide * scale.reshape(1, 1);
                return new DenseLinear(dequantized.to(dtype));
            }
        }

        private torch.Tensor Read(string name)
        {
            if (!slices.TryGetValue(name, out var s))
            {
                throw new InvalidOperationException($"{name} is not part of this partition");
            }

            return s.IsWhole
                ? checkpoint.Read(name, s.Spec.Shape)
                : checkpoint.ReadSlice(name, s.Spec.Shape, s.Dim, s.Start, s.Count);
        }

        private static torch.Tensor Convert(torch.Tensor t, torch.ScalarType target)
        {
            if (t.dtype == target)
            {
                return t;
            }

            using (t)
            {
                return t.to(target);
            }
        }
    }
}
