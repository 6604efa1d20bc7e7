using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Config;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Execution;

/// <summary>Every valid layout of every fixture gives the reference's float32 logits and greedy ids.</summary>
public sealed class LayoutParityTests
{
    public static TheoryData<string, int, int> FixtureLayouts()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var f in Fixtures.ModelCases)
        {
            foreach (var tp in new[] { 1, 2, 4 })
            {
                foreach (var pp in new[] { 1, 2 })
                {
                    data.Add(f, tp, pp);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureLayouts))]
    public async Task FixtureLayoutMatchesTheReference(string fixture, int tp, int pp)
    {
        using var golden = new Golden(Fixtures.Path(fixture));
        var config = HunyuanConfig.Load(Fixtures.Path(fixture));
        var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(pp, tp, 1L << 30), new LayoutRequest(tp, pp));
        using var ranks = await LocalRankSet.LoadAsync(plan, Fixtures.Path(fixture), torch.ScalarType.Float32);

        var result = await GreedyDecoder.RunAsync(ranks, golden.InputIds, golden.GreedyIds.Length, keepPromptLogits: true);
        using var logits = result.PromptLogits!;
        var diff = (logits - golden.Logits).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"{fixture} TP{tp} x PP{pp}: max |logit - expected| = {diff:E3}");
        Assert.Equal(golden.GreedyIds, result.Ids);
        Assert.All(ranks.Workers, w => Assert.Equal(0, w.CachedSequences));
    }

    public static TheoryData<int, int, ExpertPlacement> WideLayouts() => new()
    {
        { 8, 1, ExpertPlacement.ExpertParallel },   // tp 8 > 2 KV heads (replicated), > 4 experts (each split 2 ways)
        { 8, 2, ExpertPlacement.ExpertParallel },
        { 8, 1, ExpertPlacement.TensorParallel },
        { 4, 2, ExpertPlacement.TensorParallel },
        { 2, 3, ExpertPlacement.ExpertParallel },   // 3 stages over 6 layers
    };

    /// <summary>A random model with 8 heads / 2 KV heads and 6 layers, so tp 8 and pp 3 are possible; checked against its own single-process run.</summary>
    [Theory]
    [MemberData(nameof(WideLayouts))]
    public async Task WideLayoutsMatchOneProcess(int tp, int pp, ExpertPlacement experts)
    {
        using var dir = new TempDirectory();
        var modelDir = dir.File("m");
        RandomCheckpointWriter.Write(modelDir, RandomModelOptions.Tiny with { Heads = 8, KvHeads = 2, Layers = 6, Hidden = 64, DType = "float32", Seed = 3 });
        long[] prompt = [7, 1, 300, 22, 4, 5, 99, 100];

        using var single = ModelLoader.Load(modelDir, torch.ScalarType.Float32);
        var expected = GreedyDecoder.Run(single, prompt, 8, keepPromptLogits: true);

        var config = HunyuanConfig.Load(modelDir);
        var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(pp, tp, 1L << 30), new LayoutRequest(tp, pp, experts));
        using var ranks = await LocalRankSet.LoadAsync(plan, modelDir, torch.ScalarType.Float32);
        var actual = await GreedyDecoder.RunAsync(ranks, prompt, 8, keepPromptLogits: true);

        using var e = expected.PromptLogits!;
        using var a = actual.PromptLogits!;
        var diff = (a - e).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"TP{tp} x PP{pp} {experts}: max |logit diff| = {diff:E3}");
        Assert.Equal(expected.Ids, actual.Ids);
    }

    [Fact]
    public async Task AFailedStepFailsFastAndTheRanksKeepWorking()
    {
        var fixture = Fixtures.Path("tiny-moe");
        var config = HunyuanConfig.Load(fixture);
        var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(2, 2, 1L << 30), new LayoutRequest(2, 2));
        using var ranks = await LocalRankSet.LoadAsync(plan, fixture, torch.ScalarType.Float32);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ranks.StepAsync([new SequenceStep(9, 5, [1L])], LogitsMode.LastOfEachSegment));
        Assert.Contains("holds 0 tokens of sequence 9; the step starts at 5", ex.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"the failure took {sw.Elapsed} to surface");

        using var golden = new Golden(fixture);
        var after = await GreedyDecoder.RunAsync(ranks, golden.InputIds, golden.GreedyIds.Length);
        Assert.Equal(golden.GreedyIds, after.Ids);
    }

    [Fact]
    public async Task ContinuousBatchOfSequencesEqualsEachAlone()
    {
        var fixture = Fixtures.Path("tiny-moe");
        var config = HunyuanConfig.Load(fixture);
        var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(2, 2, 1L << 30), new LayoutRequest(2, 2));
        using var ranks = await LocalRankSet.LoadAsync(plan, fixture, torch.ScalarType.Float32);
        long[][] prompts = [[1, 2, 3], [400, 5, 6, 7, 8, 9], [42]];

        var alone = new List<IReadOnlyList<long>>();
        foreach (var p in prompts)
        {
            alone.Add((await GreedyDecoder.RunAsync(ranks, p, 5)).Ids);
        }

        // All three together: prefill in one step, then decode them side by side.
        var steps = prompts.Select((p, i) => new SequenceStep(100 + i, 0, p)).ToList();
        var outputs = prompts.Select(_ => new List<long>()).ToArray();
        for (var t = 0; t < 5; t++)
        {
            using var logits = await ranks.StepAsync(steps, LogitsMode.LastOfEachSegment);
            for (var i = 0; i < prompts.Length; i++)
            {
                var next = logits[i].argmax().item<long>();
                outputs[i].Add(next);
                steps[i] = new SequenceStep(100 + i, steps[i].StartPosition + steps[i].TokenIds.Length, [next]);
            }
        }

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(alone[i], outputs[i]);
            await ranks.ReleaseAsync(100 + i);
        }
    }
}
