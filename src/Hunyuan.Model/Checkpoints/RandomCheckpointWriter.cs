using System.Globalization;
using System.Text.Json.Nodes;
using Hunyuan.Model.Config;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Model.Checkpoints;

/// <summary>
/// Writes a model of seeded noise in the real Hugging Face layout (config.json with the real keys, safetensors
/// with the real tensor names, an index when sharded), so every part of the product can run without the 780 GB
/// checkpoint. A vocabulary of 512 or more also gets a small tokenizer in Hunyuan's format (hy.tiktoken). The
/// directory appears only when complete.
/// </summary>
public static class RandomCheckpointWriter
{
    public static HunyuanConfig Write(string directory, RandomModelOptions options, IProgress<double>? progress = null)
    {
        if (!ComputeDType.TryParse(options.DType, out var dtype))
        {
            throw new ArgumentException($"dtype '{options.DType}' must be bfloat16 or float32", nameof(options));
        }

        var config = options.ToConfig() with { TorchDType = ComputeDType.Name(dtype) };
        config.Validate("(options)");
        if (options.Shards < 1)
        {
            throw new ArgumentException("shards must be at least 1", nameof(options));
        }

        var target = Path.GetFullPath(directory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new IOException($"{target} exists and is not empty; choose a new directory");
        }

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Environment.ProcessId}.partial");
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        try
        {
            File.WriteAllText(Path.Combine(staging, HunyuanConfig.FileName), config.ToJson());
            Tokenization.TinyTokenizer.TryWrite(staging, config.VocabSize);
            WriteTensors(staging, config, dtype, options, progress);
            if (Directory.Exists(target))
            {
                Directory.Delete(target);
            }

            Directory.Move(staging, target);
            return config;
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private static void WriteTensors(string dir, HunyuanConfig config, torch.ScalarType dtype, RandomModelOptions options, IProgress<double>? progress)
    {
        var specs = ModelTensors.For(config);
        var generator = new torch.Generator((ulong)options.Seed);
        var shardOf = AssignShards(specs, options.Shards);
        var weightMap = new JsonObject();
        for (var shard = 0; shard < options.Shards; shard++)
        {
            var fileName = options.Shards == 1
                ? SafeTensorsCheckpoint.SingleFileName
                : string.Create(CultureInfo.InvariantCulture, $"model-{shard + 1:D5}-of-{options.Shards:D5}.safetensors");
            var tensors = new List<KeyValuePair<string, torch.Tensor>>();
            try
            {
                for (var i = 0; i < specs.Count; i++)
                {
                    if (shardOf[i] != shard)
                    {
                        continue;
                    }

                    tensors.Add(new(specs[i].Name, Make(specs[i], dtype, generator)));
                    weightMap[specs[i].Name] = fileName;
                }

                SafeTensorsWriter.Write(Path.Combine(dir, fileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            }
            finally
            {
                foreach (var t in tensors)
                {
                    t.Value.Dispose();
                }
            }

            progress?.Report((shard + 1) / (double)options.Shards);
        }

        if (options.Shards > 1)
        {
            var index = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = specs.Sum(s => s.ElementCount * (dtype == torch.ScalarType.Float32 ? 4 : 2)) },
                ["weight_map"] = weightMap,
            };
            File.WriteAllText(Path.Combine(dir, SafeTensorsCheckpoint.IndexFileName), index.ToJsonString());
        }
    }

    // Norm weights are 1 + noise and linears N(0, 0.02)-ish scaled by fan-in, so activations neither vanish nor
    // explode through the layers and greedy decoding is not dominated by ties.
    private static torch.Tensor Make(TensorSpec spec, torch.ScalarType dtype, torch.Generator generator)
    {
        using var noise = torch.randn(spec.Shape, dtype: torch.ScalarType.Float32, generator: generator);
        using var scaled = spec.Role switch
        {
            TensorRole.Norm => noise * 0.1 + 1.0,
            TensorRole.Embedding or TensorRole.LmHead => noise * 0.5,
            _ => noise * (1.0 / Math.Sqrt(spec.Shape[^1])),
        };
        return scaled.to(dtype);
    }

    private static int[] AssignShards(IReadOnlyList<TensorSpec> specs, int shards)
    {
        var total = specs.Sum(s => s.ElementCount);
        var perShard = (double)total / shards;
        var result = new int[specs.Count];
        long running = 0;
        for (var i = 0; i < specs.Count; i++)
        {
            result[i] = Math.Min(shards - 1, (int)(running / perShard));
            running += specs[i].ElementCount;
        }

        return result;
    }
}
