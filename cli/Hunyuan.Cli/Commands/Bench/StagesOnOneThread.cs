using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// A pipeline's stage partitions (TP1) stepped one after the other on the calling thread, with no data plane: what
/// splitting the model costs by itself, apart from the threads, processes and links a deployment adds
/// (`bench dataplane`'s stages_one_thread_ms_per_step).
/// </summary>
internal sealed class StagesOnOneThread : ICausalLm
{
    private readonly HunyuanModel[] _stages;
    private readonly Dictionary<long, IKvCache>[] _caches;

    private StagesOnOneThread(HunyuanModel[] stages)
    {
        _stages = stages;
        _caches = [.. stages.Select(_ => new Dictionary<long, IKvCache>())];
    }

    public HunyuanConfig Config => _stages[0].Config;

    public static StagesOnOneThread Load(string directory, LoadOptions options, int pp)
    {
        var config = HunyuanConfig.Load(directory);
        var plan = PartitionPlanner.Create(config, options.Variant, GpuInventory.Uniform(pp, 1, 1L << 40), new LayoutRequest(1, pp));
        using var checkpoint = SafeTensorsCheckpoint.Open(directory);
        var stages = new List<HunyuanModel>();
        try
        {
            foreach (var rank in plan.Ranks.OrderBy(r => r.Stage))
            {
                stages.Add(ModelLoader.Load(config, checkpoint, options, rank.Slice, SingleRankGroup.Instance));
            }
        }
        catch
        {
            stages.ForEach(s => s.Dispose());
            throw;
        }

        return new StagesOnOneThread([.. stages]);
    }

    public Task<torch.Tensor> StepAsync(IReadOnlyList<SequenceStep> batch, LogitsMode mode, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var x = torch.tensor(batch.SelectMany(s => s.TokenIds).ToArray(), dtype: torch.ScalarType.Int64, device: _stages[0].Device.Torch);
        for (var s = 0; s < _stages.Length; s++)
        {
            using var input = x;
            var segments = SequenceCaches.Segments(_caches[s], batch, _stages[s].NewCache, $"stage {s}");
            x = _stages[s].Forward(input, segments, mode);
        }

        return Task.FromResult(x);
    }

    public Task ReleaseAsync(long sequenceId)
    {
        foreach (var caches in _caches)
        {
            if (caches.Remove(sequenceId, out var cache))
            {
                cache.Dispose();
            }
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var caches in _caches)
        {
            foreach (var c in caches.Values)
            {
                c.Dispose();
            }

            caches.Clear();
        }

        foreach (var s in _stages)
        {
            s.Dispose();
        }
    }
}
