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
    /// <summary>Greedy ids kept for checking another implementation against this one (the prefill's token first).</summary>
    public const int GeneratedIdsKept = 16;

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

        var generated = new List<long> { next };

        var times = new List<double>(measuredSteps);
        long created = 0;
        for (var step = 0; step < warmupSteps + measuredSteps; step++)
        {
            var sw = Stopwatch.StartNew();
            using var ids = torch.tensor(new[] { next }, dtype: torch.ScalarType.Int64, device: model.Device.Torch);
            var before = TensorsCreated();
            using var logits = model.Forward(ids, [new SequenceSegment(cache, 1)]);
            var during = TensorsCreated() - before;
            next = logits[0].argmax().item<long>();
            if (generated.Count < GeneratedIdsKept)
            {
                generated.Add(next);
            }

            if (step >= warmupSteps)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
                created += during;
            }
        }

        times.Sort();
        var mean = times.Average();
        var median = times[times.Count / 2];
        var layers = Math.Max(1, model.Layers.Count);
        return new DecodeResult(1000.0 / mean, mean, median, ActiveWeightBytesPerToken(model), model.ResidentBytes)
        {
            TensorsPerLayerStep = (double)created / measuredSteps / layers,
            HostMicrosecondsPerLayerStep = median * 1000.0 / layers,
            PromptIds = prompt,
            GeneratedIds = [.. generated],
        };
    }

    /// <summary>
    /// Tensors this thread has created, a proxy for torch ops: every op that returns a tensor (views included)
    /// creates one; in-place ops that hand back their receiver create none and so are not counted.
    /// </summary>
    public static long TensorsCreated()
    {
        var stats = DisposeScopeManager.Statistics;
        return stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount;
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

public sealed record DecodeResult(double TokensPerSecond, double MeanStepMs, double MedianStepMs, long ActiveWeightBytesPerToken, long ResidentWeightBytes)
{
    /// <summary>Tensors one decode step creates (<see cref="DecodeBenchmark.TensorsCreated"/>) divided by the layers: the launches a GPU would pay per layer, the final norm and lm_head spread over them.</summary>
    public double TensorsPerLayerStep { get; init; }

    /// <summary>Median step time divided by the layers, in microseconds: on a model with little arithmetic, host time per layer.</summary>
    public double HostMicrosecondsPerLayerStep { get; init; }

    public IReadOnlyList<long> PromptIds { get; init; } = [];

    /// <summary>The first greedy ids: the prefill's token, then one per decode step.</summary>
    public IReadOnlyList<long> GeneratedIds { get; init; } = [];
}
