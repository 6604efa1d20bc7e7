using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;

namespace Hunyuan.Model.Checkpoints;

/// <summary>One tensor that does not match what the config implies.</summary>
public sealed record TensorProblem(string Tensor, string File, string Problem);

/// <summary>
/// Checks a checkpoint's headers against its config: every expected tensor present with the implied shape and a
/// usable dtype, and nothing unexplained. Reads no weights.
/// </summary>
public sealed record CheckpointInspection(
    HunyuanConfig Config,
    IReadOnlyList<TensorSpec> Expected,
    IReadOnlyList<TensorProblem> Problems,
    IReadOnlyList<string> Unexpected,
    long ParameterCount,
    long ActiveParameterCount,
    long? CheckpointBytes)
{
    public bool Ok => Problems.Count == 0;

    /// <summary>Without a checkpoint: the tensors and counts the config implies.</summary>
    public static CheckpointInspection OfConfig(HunyuanConfig config) => new(
        config, ModelTensors.For(config), [], [], ModelTensors.ParameterCount(config), ModelTensors.ActiveParameterCount(config), null);

    public static CheckpointInspection Of(HunyuanConfig config, SafeTensorsCheckpoint checkpoint)
    {
        var expected = ModelTensors.For(config);
        var problems = new List<TensorProblem>();
        var fp8 = config.Quantization?.QuantMethod == "fp8";
        var explained = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in expected)
        {
            explained.Add(spec.Name);
            if (!checkpoint.TryGet(spec.Name, out var info))
            {
                problems.Add(new(spec.Name, checkpoint.Source, "missing"));
                continue;
            }

            if (!info.Shape.SequenceEqual(spec.Shape))
            {
                problems.Add(new(spec.Name, info.FilePath, $"shape {info.ShapeText}, expected {spec.ShapeText}"));
            }

            var isFloat = info.DType is SafeTensorDType.F32 or SafeTensorDType.BF16 or SafeTensorDType.F16;
            if (info.DType == SafeTensorDType.F8_E4M3 && spec.IsQuantizableLinear)
            {
                var scale = TensorNames.WeightScale(spec.Name);
                explained.Add(scale);
                explained.Add(TensorNames.InputScale(spec.Name));
                if (!checkpoint.TryGet(scale, out var scaleInfo))
                {
                    problems.Add(new(scale, info.FilePath, "missing: an F8_E4M3 weight needs its per-tensor weight_scale"));
                }
                else if (scaleInfo.ElementCount != 1 || scaleInfo.DType != SafeTensorDType.F32)
                {
                    problems.Add(new(scale, scaleInfo.FilePath, $"{scaleInfo.DType} {scaleInfo.ShapeText}, expected one F32 value"));
                }

                if (!fp8)
                {
                    problems.Add(new(spec.Name, info.FilePath, "F8_E4M3 weight but config.json has no quantization_config with quant_method fp8"));
                }
            }
            else if (!isFloat)
            {
                problems.Add(new(spec.Name, info.FilePath, $"dtype {info.DType}, expected F32, BF16 or F16{(spec.IsQuantizableLinear ? " (or F8_E4M3)" : "")}"));
            }
        }

        for (var l = 0; l < config.NumHiddenLayers; l++)
        {
            explained.Add(TensorNames.KScale(l));
            explained.Add(TensorNames.VScale(l));
        }

        // A tied checkpoint may still carry lm_head.weight; the reference and vLLM ignore it.
        if (config.TieWordEmbeddings)
        {
            explained.Add(TensorNames.LmHead);
        }

        var unexpected = checkpoint.Tensors.Select(t => t.Name).Where(n => !explained.Contains(n)).Order(StringComparer.Ordinal).ToList();
        return new(config, expected, problems, unexpected, ModelTensors.ParameterCount(config), ModelTensors.ActiveParameterCount(config), checkpoint.TotalTensorBytes);
    }
}
