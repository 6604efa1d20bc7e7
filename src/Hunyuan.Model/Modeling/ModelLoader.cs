using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Loads a whole model from a Hugging Face directory. Every tensor is checked against the shape the config implies
/// before it is read; errors name the file and tensor. FP8 weights (F8_E4M3 with a per-tensor weight_scale) are
/// dequantized exactly at load: w = fp8 * weight_scale.
/// </summary>
public static class ModelLoader
{
    private static readonly SafeTensorDType[] FloatDTypes = [SafeTensorDType.F32, SafeTensorDType.BF16, SafeTensorDType.F16];
    private static readonly SafeTensorDType[] LinearDTypes = [SafeTensorDType.F32, SafeTensorDType.BF16, SafeTensorDType.F16, SafeTensorDType.F8_E4M3];

    public static HunyuanModel Load(string directory, torch.ScalarType dtype, IProgress<double>? progress = null)
    {
        var config = HunyuanConfig.Load(directory);
        using var checkpoint = SafeTensorsCheckpoint.Open(directory);
        return Load(config, checkpoint, dtype, progress);
    }

    public static HunyuanModel Load(HunyuanConfig config, SafeTensorsCheckpoint checkpoint, torch.ScalarType dtype, IProgress<double>? progress = null)
    {
        var specs = ModelTensors.For(config).ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var spec in specs.Values)
        {
            checkpoint.Check(spec.Name, spec.Shape, spec.IsQuantizableLinear ? LinearDTypes : FloatDTypes);
        }

        var reader = new WeightReader(checkpoint, specs, dtype);
        var embedding = reader.Plain(TensorNames.Embedding);
        var layers = new List<DecoderLayer>(config.NumHiddenLayers);
        try
        {
            for (var l = 0; l < config.NumHiddenLayers; l++)
            {
                layers.Add(LoadLayer(config, reader, l));
                progress?.Report((l + 1) / (double)config.NumHiddenLayers);
            }

            var norm = reader.Plain(TensorNames.FinalNorm);
            var lmHead = config.TieWordEmbeddings ? embedding : reader.Plain(TensorNames.LmHead);
            return new HunyuanModel(config, dtype, embedding, layers, norm, lmHead);
        }
        catch
        {
            embedding.Dispose();
            foreach (var layer in layers)
            {
                layer.Dispose();
            }

            throw;
        }
    }

    private static DecoderLayer LoadLayer(HunyuanConfig c, WeightReader r, int l)
    {
        var isSelf = c.IsSelfLayer(l);
        var attention = new AttentionWeights(
            l, isSelf, c.NumAttentionHeads, c.NumKeyValueHeads,
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
            var shared = c.HasSharedExpert ? Mlp(r, p => TensorNames.SharedMlp(l, p)) : null;
            var experts = new Dictionary<int, MlpWeights>();
            for (var e = 0; e < c.NumExperts; e++)
            {
                var expert = e;
                experts[e] = Mlp(r, p => TensorNames.Expert(l, expert, p));
            }

            moe = new MoeWeights(r.Float32(TensorNames.Router(l)), c.MoeTopK, shared, experts);
        }
        else
        {
            dense = Mlp(r, p => TensorNames.DenseMlp(l, p));
        }

        return new DecoderLayer(l, r.Plain(TensorNames.InputNorm(l)), attention, r.Plain(TensorNames.PostAttentionNorm(l)), moe, dense);
    }

    private static MlpWeights Mlp(WeightReader r, Func<string, string> name) =>
        new(r.Linear(name("gate_proj")), r.Linear(name("up_proj")), r.Linear(name("down_proj")));

    private sealed class WeightReader(SafeTensorsCheckpoint checkpoint, IReadOnlyDictionary<string, TensorSpec> specs, torch.ScalarType dtype)
    {
        public torch.Tensor Plain(string name) => Convert(checkpoint.Read(name, specs[name].Shape), dtype);

        public torch.Tensor Float32(string name) => Convert(checkpoint.Read(name, specs[name].Shape), torch.ScalarType.Float32);

        public ILinear Linear(string name)
        {
            var raw = checkpoint.Read(name, specs[name].Shape);
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
