using System.Diagnostics;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Model.Benchmarks;

/// <summary>
/// Batch-1 decode speed of a loaded model, set against the memory-bandwidth roofline: every decode step must read
/// every active weight once, so tokens/s can be at most bandwidth / active weight bytes per token.
/// </summary>
public static class DecodeBenchmark
{
    public static DecodeResult Run(HunyuanModel model, int promptTokens, int warmupSteps, int measuredSteps, int seed = 0)
    {
        var random = new Random(seed);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => (long)random.Next(model.Config.VocabSize)).ToArray();
        using var cache = model.NewCache();
        long next;
        using (var ids = torch.tensor(prompt, dtype: torch.ScalarType.Int64, device: model.Device.Torch))
        using (var logits = model.Forward(ids, [new SequenceSegment(cache, prompt.Length)]))
        {
            next = logits[0].argmax().item<long>();
        }

        var times = new List<double>(measuredSteps);
        for (var step = 0; step < warmupSteps + measuredSteps; step++)
        {
            var sw = Stopwatch.StartNew();
            using var ids = torch.tensor(new[] { next }, dtype: torch.ScalarType.Int64, device: model.Device.Torch);
            using var logits = model.Forward(ids, [new SequenceSegment(cache, 1)]);
            next = logits[0].argmax().item<long>();
            if (step >= warmupSteps)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        var mean = times.Average();
        return new DecodeResult(1000.0 / mean, mean, times[times.Count / 2], ActiveWeightBytesPerToken(model), model.ResidentBytes);
    }

    /// <summary>Weight bytes one decode step reads: all but the routed experts the token is not sent to.</summary>
    public static long ActiveWeightBytesPerToken(HunyuanModel model)
    {
        long total = model.ResidentBytes;
        foreach (var layer in model.Layers)
        {
            if (layer.Moe is { } moe && moe.Experts.Count > 0)
            {
                var experts = moe.Experts.Values.Sum(e => e.ResidentBytes);
                var perExpert = experts / moe.Experts.Count;
                total -= experts - (perExpert * Math.Min(moe.TopK, moe.Experts.Count));
            }
        }

        // The embedding row lookup touches one row; the (tied or not) lm_head reads the whole matrix.
        if (!model.IsTied && model.Embedding is { } embedding)
        {
            total -= embedding.NumberOfElements * embedding.ElementSize;
        }

        return total;
    }
}

public sealed record DecodeResult(double TokensPerSecond, double MeanStepMs, double MedianStepMs, long ActiveWeightBytesPerToken, long ResidentWeightBytes);
