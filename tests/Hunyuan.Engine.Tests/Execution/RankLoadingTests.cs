using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;
using Xunit.Abstractions;

namespace Hunyuan.Engine.Tests.Execution;

/// <summary>Each rank reads its own slices from the memory-mapped checkpoint, not the whole of it.</summary>
public sealed class RankLoadingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(4, 1, ExpertPlacement.ExpertParallel)]
    [InlineData(2, 2, ExpertPlacement.ExpertParallel)]
    [InlineData(4, 2, ExpertPlacement.TensorParallel)]
    public async Task EachRankReadsItsPlannedShare(int tp, int pp, ExpertPlacement experts)
    {
        using var dir = new TempDirectory();
        var modelDir = dir.File("m");
        RandomCheckpointWriter.Write(modelDir, RandomModelOptions.Tiny with { Hidden = 128, Intermediate = 256, Experts = 8, Layers = 4, Heads = 4, KvHeads = 2, Vocab = 1024, Shards = 3 });
        var config = HunyuanConfig.Load(modelDir);
        var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(pp, tp, 1L << 30), new LayoutRequest(tp, pp, experts));
        using var checkpoint = SafeTensorsCheckpoint.Open(modelDir);
        var whole = checkpoint.TotalTensorBytes;

        using var ranks = await LocalRankSet.LoadAsync(plan, modelDir, torch.ScalarType.BFloat16);
        foreach (var w in ranks.Workers)
        {
            var planned = CheckpointShare.Bytes(config, w.Plan.Slice, checkpoint);
            output.WriteLine($"rank {w.Plan.Rank}: read {w.BytesRead:N0} bytes, planned {planned:N0}, whole checkpoint {whole:N0} ({100.0 * w.BytesRead / whole:F1}%)");
            Assert.InRange(w.BytesRead, planned * 0.9, planned * 1.1);
            Assert.True(w.BytesRead < whole * 0.6, $"rank {w.Plan.Rank} read {w.BytesRead} of {whole} bytes");
        }
    }
}
