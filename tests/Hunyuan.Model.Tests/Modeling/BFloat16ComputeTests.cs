using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;
using Xunit.Abstractions;

namespace Hunyuan.Model.Tests.Modeling;

/// <summary>
/// bf16 compute must give the fixtures' greedy ids, or diverge only where float32 itself has a near-tie: the two
/// candidates' float32 logits closer than the measured bf16 error at that position.
/// </summary>
public sealed class BFloat16ComputeTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases => new(Fixtures.ModelCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GreedyIdsMatchOrDivergeOnlyAtAMeasuredNearTie(string fixture)
    {
        using var golden = new Golden(Fixtures.Path(fixture));
        using var bf16 = ModelLoader.Load(Fixtures.Path(fixture), torch.ScalarType.BFloat16);
        var ids = GreedyDecoder.Run(bf16, golden.InputIds, golden.GreedyIds.Length).Ids;
        var k = Enumerable.Range(0, ids.Count).FirstOrDefault(i => ids[i] != golden.GreedyIds[i], -1);
        if (k < 0)
        {
            output.WriteLine($"{fixture}: bf16 greedy ids equal the reference's ({ids.Count} tokens)");
            return;
        }

        // Teacher-force both dtypes on the common prefix and measure the step where they part.
        using var fp32 = ModelLoader.Load(Fixtures.Path(fixture), torch.ScalarType.Float32);
        var prefix = golden.InputIds.Concat(golden.GreedyIds.Take(k)).ToArray();
        using var l32 = LastLogits(fp32, prefix);
        using var l16 = LastLogits(bf16, prefix);
        var expected = golden.GreedyIds[k];
        var chosen = ids[k];
        var margin = l32[expected].item<float>() - l32[chosen].item<float>();
        var noise = (l16 - l32).abs().max().item<float>();
        output.WriteLine($"{fixture}: bf16 diverges at new token {k}: reference {expected}, bf16 {chosen}; "
            + $"float32 margin between them {margin:F4}, max |bf16 - float32| logit error there {noise:F4}");
        Assert.Equal(l16.argmax().item<long>(), chosen);
        Assert.True(margin >= 0 && margin < 2 * noise, $"{fixture}: not a near-tie: margin {margin:F4} vs bf16 error {noise:F4}");
    }

    private static torch.Tensor LastLogits(HunyuanModel model, long[] ids)
    {
        using var cache = model.NewCache();
        using var t = torch.tensor(ids, dtype: torch.ScalarType.Int64);
        using var logits = model.Forward(t, [new SequenceSegment(cache, ids.Length)]);
        return logits[0].clone();
    }
}
