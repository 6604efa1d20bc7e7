using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;
using Xunit.Abstractions;

namespace Hunyuan.Model.Tests.Variants;

/// <summary>The fp8 and int8 variants against the fixtures' float32 reference logits.</summary>
public sealed class VariantAccuracyTests(ITestOutputHelper output)
{
    [Fact]
    public void Fp8ExactDequantizationMatchesTheFixture()
    {
        var dir = Fixtures.Path("tiny-moe-fp8");
        using var golden = new Golden(dir);
        using var model = ModelLoader.Load(dir, new LoadOptions { DType = torch.ScalarType.Float32, Variant = ModelVariant.Fp8, Fp8ExactDequantize = true });
        var result = GreedyDecoder.Run(model, golden.InputIds, golden.GreedyIds.Length, keepPromptLogits: true);
        using var logits = result.PromptLogits!;
        var diff = (logits - golden.Logits).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"max |logit - expected| = {diff:E3}");
        Assert.Equal(golden.GreedyIds, result.Ids);
        Assert.False(model.KvStorage.IsQuantized);
    }

    [Fact]
    public void FullW8A8C8StaysCloseToTheFixture()
    {
        var dir = Fixtures.Path("tiny-moe-fp8");
        using var golden = new Golden(dir);
        using var model = ModelLoader.Load(dir, new LoadOptions { DType = torch.ScalarType.Float32, Variant = ModelVariant.Fp8 });
        Assert.True(model.KvStorage.IsQuantized);
        var (cosines, agree) = Compare(model, golden);
        output.WriteLine($"W8A8C8 vs reference: per-position cosine {string.Join(", ", cosines.Select(c => c.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}; mean {cosines.Average():F4}; top-1 agreement {agree}/{cosines.Length}");
        Assert.True(cosines.Average() >= 0.9, $"mean cosine {cosines.Average():F4}");
    }

    [Theory]
    [InlineData("tiny-moe")]
    [InlineData("tiny-moe-bf16-sharded")]
    public void Int8ExpertsKeepEveryPositionsLogitsAndTopOne(string fixture)
    {
        var dir = Fixtures.Path(fixture);
        using var golden = new Golden(dir);
        using var model = ModelLoader.Load(dir, new LoadOptions { DType = torch.ScalarType.Float32, Variant = ModelVariant.Int8 });
        var (cosines, agree) = Compare(model, golden);
        output.WriteLine($"{fixture} int8 experts: min cosine {cosines.Min():F6}, top-1 agreement {agree}/{cosines.Length}");
        Assert.All(cosines, c => Assert.True(c >= 0.999, $"cosine {c:F6}"));
        Assert.Equal(cosines.Length, agree);
        Assert.All(model.Layers, l => Assert.All(l.Moe!.Experts.Values, e => Assert.IsType<Int8RowLinear>(e.GateUp)));
    }

    /// <summary>Every variant also runs in bf16 compute (the default), quantizing a float checkpoint at load where needed.</summary>
    [Theory]
    [InlineData(ModelVariant.Fp8, "tiny-moe")]
    [InlineData(ModelVariant.Fp8, "tiny-moe-fp8")]
    [InlineData(ModelVariant.Int8, "tiny-moe-bf16-sharded")]
    public void VariantsRunInBFloat16Compute(ModelVariant variant, string fixture)
    {
        var dir = Fixtures.Path(fixture);
        using var golden = new Golden(dir);
        using var model = ModelLoader.Load(dir, new LoadOptions { DType = torch.ScalarType.BFloat16, Variant = variant });
        var (cosines, agree) = Compare(model, golden);
        output.WriteLine($"{variant} on {fixture} in bf16: mean cosine {cosines.Average():F4}, top-1 {agree}/{cosines.Length}");
        Assert.True(cosines.Average() >= 0.9, $"mean cosine {cosines.Average():F4}");
    }

    private static (double[] Cosines, int TopOneAgreement) Compare(HunyuanModel model, Golden golden)
    {
        var result = GreedyDecoder.Run(model, golden.InputIds, 1, keepPromptLogits: true);
        using var logits = result.PromptLogits!.to(torch.ScalarType.Float32);
        var rows = (int)logits.shape[0];
        var cosines = new double[rows];
        var agree = 0;
        for (var i = 0; i < rows; i++)
        {
            using var a = logits[i];
            using var b = golden.Logits[i];
            cosines[i] = torch.nn.functional.cosine_similarity(a.unsqueeze(0), b.unsqueeze(0)).item<float>();
            agree += a.argmax().item<long>() == b.argmax().item<long>() ? 1 : 0;
        }

        return (cosines, agree);
    }
}
