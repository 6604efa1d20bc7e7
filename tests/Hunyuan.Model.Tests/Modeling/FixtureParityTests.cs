using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Model.Tests.Modeling;

/// <summary>The golden cases in ../shared/fixtures, computed by an implementation checked against Tencent's code.</summary>
public sealed class FixtureParityTests
{
    public static TheoryData<string> Cases => new(Fixtures.ModelCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32PromptLogitsMatchTheReference(string fixture)
    {
        using var golden = new Golden(Fixtures.Path(fixture));
        using var model = ModelLoader.Load(Fixtures.Path(fixture), torch.ScalarType.Float32);
        var result = GreedyDecoder.Run(model, golden.InputIds, 1, keepPromptLogits: true);
        using var logits = result.PromptLogits!;

        Assert.Equal(golden.Logits.shape, logits.shape);
        var maxDiff = (logits - golden.Logits).abs().max().item<float>();
        Assert.True(maxDiff < 1e-4, $"{fixture}: max |logit - expected| = {maxDiff:E3}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32CachedGreedyDecodeMatchesTheReference(string fixture)
    {
        using var golden = new Golden(Fixtures.Path(fixture));
        using var model = ModelLoader.Load(Fixtures.Path(fixture), torch.ScalarType.Float32);
        var result = GreedyDecoder.Run(model, golden.InputIds, golden.GreedyIds.Length);
        Assert.Equal(golden.GreedyIds, result.Ids);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CachedDecodeEqualsRecompute(string fixture)
    {
        using var golden = new Golden(Fixtures.Path(fixture));
        using var model = ModelLoader.Load(Fixtures.Path(fixture), torch.ScalarType.Float32);
        var cached = GreedyDecoder.Run(model, golden.InputIds, 6).Ids;

        // Recompute: every step re-runs the whole sequence through a fresh cache.
        var sequence = golden.InputIds.ToList();
        using var lastCached = LastLogitsWithCache(model, sequence, cached);
        for (var step = 0; step < cached.Count; step++)
        {
            using var cache = model.NewCache();
            using var ids = torch.tensor(sequence.ToArray(), dtype: torch.ScalarType.Int64);
            using var logits = model.Forward(ids, [new SequenceSegment(cache, sequence.Count)]);
            Assert.Equal(cached[step], logits[0].argmax().item<long>());
            sequence.Add(cached[step]);
        }

        using var recomputeCache = model.NewCache();
        var all = golden.InputIds.Concat(cached.Take(cached.Count - 1)).ToArray();
        using var allIds = torch.tensor(all, dtype: torch.ScalarType.Int64);
        using var recomputed = model.Forward(allIds, [new SequenceSegment(recomputeCache, all.Length)]);
        var diff = (recomputed[0] - lastCached).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"{fixture}: cached vs recomputed last logits differ by {diff:E3}");
    }

    private static torch.Tensor LastLogitsWithCache(HunyuanModel model, List<long> prompt, IReadOnlyList<long> generated)
    {
        using var cache = model.NewCache();
        using (var ids = torch.tensor(prompt.ToArray(), dtype: torch.ScalarType.Int64))
        using (model.Forward(ids, [new SequenceSegment(cache, prompt.Count)]))
        {
        }

        torch.Tensor? last = null;
        for (var i = 0; i < generated.Count - 1; i++)
        {
            last?.Dispose();
            using var ids = torch.tensor(new[] { generated[i] }, dtype: torch.ScalarType.Int64);
            using var logits = model.Forward(ids, [new SequenceSegment(cache, 1)]);
            last = logits[0].clone();
        }

        return last!;
    }
}
