using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Model.Tests.Modeling;

/// <summary>A paged cache over scattered blocks gives the same logits as the contiguous cache, step by step.</summary>
public sealed class PagedKvCacheTests
{
    [Theory]
    [InlineData("tiny-moe", ModelVariant.Bf16)]
    [InlineData("tiny-moe-fp8", ModelVariant.Fp8)]
    public async Task PagedDecodeEqualsContiguousDecode(string fixture, ModelVariant variant)
    {
        using var golden = new Golden(Fixtures.Path(fixture));
        var options = new LoadOptions { DType = torch.ScalarType.Float32, Variant = variant };
        using var contiguous = new LocalCausalLm(ModelLoader.Load(Fixtures.Path(fixture), options));
        var model = ModelLoader.Load(Fixtures.Path(fixture), options);
        using var paged = new LocalCausalLm(model, pool: model.NewBlockPool(blocks: 16, blockSize: 4));

        // Blocks deliberately out of order, with a prefill of 12 tokens spanning three of them.
        int[] table = [9, 2, 14, 5, 11, 0, 7];
        var prompt = golden.InputIds;
        using var a = await contiguous.StepAsync([new SequenceStep(1, 0, prompt)], LogitsMode.LastOfEachSegment);
        using var b = await paged.StepAsync([new SequenceStep(1, 0, prompt, table)], LogitsMode.LastOfEachSegment);
        Assert.True((a - b).abs().max().item<float>() < 1e-4);

        var next = a[0].argmax().item<long>();
        for (var pos = prompt.Length; pos < prompt.Length + 12; pos++)
        {
            using var la = await contiguous.StepAsync([new SequenceStep(1, pos, [next])], LogitsMode.LastOfEachSegment);
            using var lb = await paged.StepAsync([new SequenceStep(1, pos, [next], table)], LogitsMode.LastOfEachSegment);
            var diff = (la - lb).abs().max().item<float>();
            Assert.True(diff < 1e-4, $"position {pos}: {diff:E3}");
            next = la[0].argmax().item<long>();
        }
    }

    /// <summary>
    /// Several sequences decoding in one step take the batched path (one gather per layer for all of them, padding
    /// masked); each row must equal that sequence decoded alone on a contiguous cache.
    /// </summary>
    [Theory]
    [InlineData("tiny-moe", ModelVariant.Bf16)]
    [InlineData("tiny-moe-fp8", ModelVariant.Fp8)]
    public async Task SequencesDecodedTogetherEqualEachDecodedAlone(string fixture, ModelVariant variant)
    {
        using var golden = new Golden(Fixtures.Path(fixture));
        var options = new LoadOptions { DType = torch.ScalarType.Float32, Variant = variant };
        using var alone = new LocalCausalLm(ModelLoader.Load(Fixtures.Path(fixture), options));
        var model = ModelLoader.Load(Fixtures.Path(fixture), options);
        using var together = new LocalCausalLm(model, pool: model.NewBlockPool(blocks: 24, blockSize: 4));

        // Three prompts of different lengths, so the batch pads; block tables interleaved in the pool.
        long[][] prompts = [golden.InputIds, golden.InputIds[..5], golden.InputIds[3..]];
        int[][] tables = [[9, 2, 14, 5, 11, 0], [1, 20, 8, 17, 3, 22], [6, 13, 4, 19, 10, 15]];
        var next = new long[3];
        for (var i = 0; i < 3; i++)
        {
            using var a = await alone.StepAsync([new SequenceStep(i, 0, prompts[i])], LogitsMode.LastOfEachSegment);
            using var b = await together.StepAsync([new SequenceStep(i, 0, prompts[i], tables[i])], LogitsMode.LastOfEachSegment);
            next[i] = a[0].argmax().item<long>();
        }

        for (var step = 0; step < 8; step++)
        {
            using var batched = await together.StepAsync(
                Enumerable.Range(0, 3).Select(i => new SequenceStep(i, prompts[i].Length + step, [next[i]], tables[i])).ToList(), LogitsMode.LastOfEachSegment);
            for (var i = 0; i < 3; i++)
            {
                using var single = await alone.StepAsync([new SequenceStep(i, prompts[i].Length + step, [next[i]])], LogitsMode.LastOfEachSegment);
                var diff = (single[0] - batched[i]).abs().max().item<float>();
                Assert.True(diff < 1e-4, $"sequence {i}, step {step}: {diff:E3}");
                next[i] = single[0].argmax().item<long>();
            }
        }
    }

    [Fact]
    public void AStepPastTheBlockTableIsRefused()
    {
        using var model = ModelLoader.Load(Fixtures.Path("tiny-moe"), torch.ScalarType.Float32);
        using var pool = model.NewBlockPool(4, 4);
        using var cache = new PagedKvCache(pool);
        cache.SetBlockTable([1, 3]);
        var ex = Assert.Throws<InvalidOperationException>(() => cache.Reserve(9));
        Assert.Contains("holds 8 positions; the step needs 9", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.SetBlockTable([4]));
    }
}
