using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Loads a model, or one rank's partition of it, from a Hugging Face directory. Every tensor is checked against the
/// shape the config implies before anything is read; a partition then reads only its slices (see
/// <see cref="SlicedTensors"/>). Errors name the file and tensor. FP8 weights (F8_E4M3 with a per-tensor
/// weight_scale) are dequantized exactly for bf16 and kept one byte for fp8; int8 quantizes the routed experts per
/// output row at load (see <see cref="LoadOptions"/>). Everything is read and converted on the host, then each finished
/// tensor is moved to <see cref="LoadOptions.Device"/> once, so the device never holds a tensor's intermediate forms.
/// </summary>
public static class ModelLoader
{
    private static readonly SafeTensorDType[] FloatDTypes = [SafeTensorDType.F32, SafeTensorDType.BF16, SafeTensorDType.F16];
    private static readonly SafeTensorDType[] LinearDTypes = [SafeTensorDType.F32, SafeTensorDType.BF16, SafeTensorDType.F16, SafeTensorDType.F8_E4M3];

    public static HunyuanModel Load(string directory, torch.ScalarType dtype, IProgress<double>? progress = null) =>
        Load(directory, LoadOptions.Of(dtype), progress);

    public static HunyuanModel Load(string directory, LoadOptions options, IProgress<double>? progress = null)
    {
        var config = HunyuanConfig.Load(directory);
        using var checkpoint = SafeTensorsCheckpoint.Open(directory);
        return Load(config, checkpoint, options, PartitionSlice.Whole(config), SingleRankGroup.Instance, progress);
    }

    public static HunyuanModel Load(
        HunyuanConfig config, SafeTensorsCheckpoint checkpoint, LoadOptions options, PartitionSlice slice,
        ITensorParallelGroup group, IProgress<double>? progress = null)
    {
        var dtype = options.DType;
        var slices = SlicedTensors.For(config, slice).ToDictionary(s => s.Spec.Name, StringComparer.Ordinal);
        foreach (var s in slices.Values)
        {
            checkpoint.Check(s.Spec.Name, s.Spec.Shape, s.Spec.IsQuantizableLinear ? LinearDTypes : FloatDTypes);
        }

        if (options.Variant == ModelVariant.Int8 && slices.Values.Any(s => s.Spec.IsQuantizableLinear && checkpoint.Get(s.Spec.Name).DType == SafeTensorDType.F8_E4M3))
        {
            throw new CheckpointException(checkpoint.Source, null, "the int8 variant (experts_int8) quantizes a BF16 checkpoint at load; this one holds FP8 weights");
        }

        var reader = new WeightReader(checkpoint, slices, options);
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

            return new HunyuanModel(config, dtype, slice, group, embedding, layers, norm, lmHead, KvStorageFor(config, checkpoint, options, slice), options.Device);
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

    // fp8 W8A8C8 keeps the cache in e4m3. U = RoPE(k)/rms has |u_i| <= sqrt(head_dim), well inside e4m3's range, so
    // with QK-norm it needs no scale; without QK-norm U is RoPE(k) and takes the checkpoint's k_scale. V takes the
    // self layer's v_scale. Absent scales are 1.0, as vLLM does.
    private static KvStorage KvStorageFor(HunyuanConfig c, SafeTensorsCheckpoint checkpoint, LoadOptions options, PartitionSlice p)
    {
        if (!options.Fp8KvCache)
        {
            return KvStorage.Plain(options.DType);
        }

        var entries = c.CacheEntries(p.LayerCount);
        var k = new double[entries];
        var v = new double[entries];
        for (var e = 0; e < entries; e++)
        {
            var layer = p.LayerStart + (e * c.EffectiveClaFactor);
            k[e] = c.UseQkNorm ? 1.0 : ScalarOr(checkpoint, TensorNames.KScale(layer), 1.0);
            v[e] = ScalarOr(checkpoint, TensorNames.VScale(layer), 1.0);
        }

        return new KvStorage(SafeTensorDTypes.Float8E4M3, options.DType, k, v);
    }

    private static double ScalarOr(SafeTensorsCheckpoint checkpoint, string name, double fallback)
    {
        if (!checkpoint.TryGet(name, out _))
        {
            return fallback;
        }

        using var t = checkpoint.Read(name, null, SafeTensorDType.F32);
        return t.NumberOfElements == 1 ? t.to(torch.ScalarType.Float32).item<float>() : throw new CheckpointException(checkpoint.Get(name).FilePath, name, "expected a scalar scale");
    }

    private static MlpWeights Mlp(WeightReader r, Func<string, string> name) =>
        new(r.Linear(name("gate_proj")), r.Linear(name("up_proj")), r.Linear(name("down_proj")));

    private sealed class WeightReader(SafeTensorsCheckpoint checkpoint, IReadOnlyDictionary<string, TensorSlice> slices, LoadOptions options)
    {
        private readonly torch.ScalarType _dtype = options.DType;

        private readonly ComputeDevice _device = options.Device;

        public torch.Tensor Plain(string name) => _device.Adopt(Convert(Read(name), _dtype));

        public torch.Tensor Float32(string name) => _device.Adopt(Convert(Read(name), torch.ScalarType.Float32));

        public ILinear Linear(string name)
        {
            var role = slices[name].Spec.Role;
            var raw = Read(name);
            var isFp8 = raw.dtype == SafeTensorDTypes.Float8E4M3;
            if (options.Variant == ModelVariant.Int8 && role == TensorRole.RoutedExpertLinear)
            {
                using (raw)
                {
                    var (q, scales) = Quantizer.Int8PerRow(raw);
                    return new Int8RowLinear(_device.Adopt(q), _device.Adopt(scales));
                }
            }

            if (options.Variant == ModelVariant.Fp8)
            {
                var (weight, scale, inputScale) = isFp8 ? (raw, WeightScale(name), InputScale(name)) : QuantizeFp8(raw);
                if (options.Fp8ExactDequantize)
                {
                    using (weight)
                    {
                        return new DenseLinear(_device.Adopt(Dequantize(weight, scale)));
                    }
                }

                return new Fp8Linear(_device.Adopt(weight), scale, inputScale, quantizeActivations: true, options.Fp8Matmul);
            }

            if (!isFp8)
            {
                return new DenseLinear(_device.Adopt(Convert(raw, _dtype)));
            }

            using (raw)
            {
                return new DenseLinear(_device.Adopt(Dequantize(raw, WeightScale(name))));
            }
        }

        private static (torch.Tensor, double, double?) QuantizeFp8(torch.Tensor raw)
        {
            using (raw)
            {
                var (q, s) = Quantizer.Fp8PerTensor(raw);
                return (q, s, null);
            }
        }

        private torch.Tensor Dequantize(torch.Tensor fp8, double scale)
        {
            using var wide = fp8.to(torch.ScalarType.Float32);
            using var dequantized = wide * scale;
            return dequantized.to(_dtype);
        }

        private double WeightScale(string name)
        {
            var scaleName = TensorNames.WeightScale(name);
            if (!checkpoint.Contains(scaleName))
            {
                throw new CheckpointException(checkpoint.Get(name).FilePath, name, $"F8_E4M3 weight without its {scaleName}");
            }

            return Scalar(scaleName);
        }

        private double? InputScale(string name)
        {
            var inputName = TensorNames.InputScale(name);
            return checkpoint.Contains(inputName) ? Scalar(inputName) : null;
        }

        private double Scalar(string name)
        {
            using var t = checkpoint.Read(name, null, SafeTensorDType.F32);
            if (t.NumberOfElements != 1)
            {
                throw new CheckpointException(checkpoint.Get(name).FilePath, name, $"expected a per-tensor scale (1 element), got shape [{string.Join(", ", t.shape)}]");
            }

            return t.item<float>();
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
