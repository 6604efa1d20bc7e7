using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tokenization;
using Hunyuan.Model.Variants;

namespace Hunyuan.Serving.Backends;

/// <summary>
/// Serves a model from this process: one partition, or TP x PP ranks on threads (as the ranks of one node run), each
/// with a paged KV pool sized from the KV memory budget. Ready once loaded.
/// </summary>
public sealed class LocalServingBackend : IServingBackend, IAsyncDisposable
{
    private readonly ICausalLm _lm;

    private LocalServingBackend(ICausalLm lm, HunyuanTokenizer tokenizer, Scheduler scheduler, int maxModelLen)
    {
        _lm = lm;
        Tokenizer = tokenizer;
        Scheduler = scheduler;
        MaxModelLen = maxModelLen;
    }

    public Scheduler Scheduler { get; }

    public HunyuanTokenizer Tokenizer { get; }

    public int MaxModelLen { get; }

    /// <param name="modelDirectory">The model, with its hy.tiktoken.</param>
    /// <param name="load">Variant and compute dtype.</param>
    /// <param name="tp">Tensor-parallel ranks.</param>
    /// <param name="pp">Pipeline stages.</param>
    /// <param name="kvCacheBytes">KV memory per rank; sets how many blocks each pool has.</param>
    /// <param name="engine">Scheduler limits; Blocks is overwritten from the budget.</param>
    /// <param name="device">Where the ranks compute (rank r on slot r); <see cref="LoadOptions.Device"/> for all when null.</param>
    public static async Task<LocalServingBackend> StartAsync(string modelDirectory, LoadOptions load, int tp, int pp, long kvCacheBytes, EngineOptions engine, DeviceRequest? device = null)
    {
        var config = HunyuanConfig.Load(modelDirectory);
        var tokenizer = HunyuanTokenizer.Load(modelDirectory);
        if (tokenizer.VocabularySize > config.VocabSize)
        {
            throw new ArgumentException($"{modelDirectory}: the tokenizer has {tokenizer.VocabularySize} ids, more than the model's vocab_size {config.VocabSize}");
        }

        var maxLen = Math.Min(engine.MaxModelLen, config.MaxPositionEmbeddings);

        // Even one rank runs on a rank worker: model compute stays on one dedicated thread (a stable OpenMP team,
        // TorchSharp scopes per thread), never on the pool threads the scheduler's awaits hop between.
        var plan = PartitionPlanner.Create(config, load.Variant, GpuInventory.Uniform(pp, tp, long.MaxValue / 4), new LayoutRequest(tp, pp));
        var element = load.Fp8KvCache ? 1 : (load.DType == TorchSharp.torch.ScalarType.Float32 ? 4 : 2);
        var kvPerToken = plan.Ranks.Max(r => config.KvBytesPerToken(r.Slice.LayerCount, r.Slice.KvHeadCount, element));
        var blocks = Blocks(kvCacheBytes, kvPerToken, engine.BlockSize, engine);
        ICausalLm lm = await LocalRankSet.LoadAsync(plan, modelDirectory, load, null, new PagedKvOptions(blocks, engine.BlockSize), device is null ? null : r => device.ForSlot(r.Rank));
        engine = engine with { Blocks = blocks };

        var identity = $"{Path.GetFullPath(modelDirectory)}|{load.Variant}|{load.DType}|fp8kv={load.Fp8KvCache}|tp{tp}|pp{pp}";
        var scheduler = new Scheduler(new LocalStepExecutor(lm), engine with { MaxModelLen = maxLen, PrefixCacheIdentity = identity });
        return new LocalServingBackend(lm, tokenizer, scheduler, maxLen);
    }

    /// <summary>Ready while the scheduler runs (loading finished before this backend existed).</summary>
    public (bool Ready, string Reason) Readiness()
    {
        var m = Scheduler.Metrics;
        return Scheduler.Stopped is { } why
            ? (false, $"the scheduler is not running: {why}")
            : (true, $"loaded in this process; {m.KvBlocksTotal - m.KvBlocksUsed} of {m.KvBlocksTotal} KV blocks free, {m.Running} running, {m.Waiting} waiting");
    }

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        _lm.Dispose();
    }

    // The budget's blocks, but no more than every sequence of the batch at full length needs (twice over, for preemption slack).
    private static int Blocks(long budget, long kvPerToken, int blockSize, EngineOptions engine) =>
        (int)Math.Clamp(budget / Math.Max(1, kvPerToken * blockSize), 1, 2L * engine.MaxNumSeqs * ((engine.MaxModelLen + blockSize - 1) / blockSize));
}
