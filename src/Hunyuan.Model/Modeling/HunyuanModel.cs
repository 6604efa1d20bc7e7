using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Parallel;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// The HunYuan causal LM (hunyuan-spec §2), or one rank's partition of it: embedding (no scaling), decoder layers,
/// final RMSNorm, lm_head (the embedding when tied), logits in float32. A first pipeline stage takes token ids, a
/// later one the previous stage's hidden states; a last stage returns logits, an earlier one hidden states. Runs
/// continuous batches: the rows of several sequences stacked, each with its own KV cache.
/// </summary>
public sealed class HunyuanModel : IDisposable
{
    private readonly RotaryEmbedding _rope;

    public HunyuanModel(
        HunyuanConfig config, torch.ScalarType dtype, PartitionSlice slice, ITensorParallelGroup group,
        torch.Tensor? embedding, IReadOnlyList<DecoderLayer> layers, torch.Tensor? finalNorm, torch.Tensor? lmHead, KvStorage? kvStorage = null, ComputeDevice? device = null)
    {
        KvStorage = kvStorage ?? KvStorage.Plain(dtype);
        Device = device ?? ComputeDevice.Cpu;
        Config = config;
        DType = dtype;
        Slice = slice;
        Group = group;
        Embedding = embedding;
        Layers = layers;
        FinalNorm = finalNorm;
        LmHead = lmHead;
        _rope = new RotaryEmbedding(config, Device);
    }

    public HunyuanConfig Config { get; }

    public torch.ScalarType DType { get; }

    public PartitionSlice Slice { get; }

    public ITensorParallelGroup Group { get; }

    public KvStorage KvStorage { get; }

    /// <summary>Where this partition's weights live; caches, pools and every step's tensors are made there too.</summary>
    public ComputeDevice Device { get; }

    /// <summary>This rank's vocabulary rows of the embedding (first stage only).</summary>
    public torch.Tensor? Embedding { get; }

    public IReadOnlyList<DecoderLayer> Layers { get; }

    public torch.Tensor? FinalNorm { get; }

    /// <summary>This rank's vocabulary rows of lm_head (last stage only); the same tensor as <see cref="Embedding"/> when tied on one stage.</summary>
    public torch.Tensor? LmHead { get; }

    public bool IsTied => Embedding is not null && ReferenceEquals(LmHead, Embedding);

    public long ResidentBytes => Bytes(Embedding) + Layers.Sum(l => l.ResidentBytes) + Bytes(FinalNorm) + (IsTied ? 0 : Bytes(LmHead));

    /// <summary>A KV cache for one sequence: this partition's layers and KV heads, stored as <see cref="KvStorage"/> says.</summary>
    public KvCache NewCache() => new(Config, Slice.KvHeadCount, KvStorage, Slice.LayerStart, Slice.LayerCount, Device);

    /// <summary>A paged KV pool for this partition's layers and KV heads: <paramref name="blocks"/> blocks of <paramref name="blockSize"/> tokens.</summary>
    public KvBlockPool NewBlockPool(int blocks, int blockSize) => new(Config, Slice.KvHeadCount, KvStorage, Slice.LayerStart, Slice.LayerCount, blocks, blockSize, Device);

    /// <summary>KV bytes one token takes in this partition (its cache entries, its KV heads, the storage dtype).</summary>
    public long KvBytesPerToken => Config.KvBytesPerToken(Slice.LayerCount, Slice.KvHeadCount, KvStorage.BytesPerElement);

    /// <summary>
    /// Runs one step. <paramref name="input"/> holds the new tokens of every segment in segment order: ids [rows] on
    /// a first stage, hidden states [rows, hidden] on a later one. Commits the new tokens to each segment's cache.
    /// Returns float32 logits [rows or segments, vocab] on a last stage, hidden states [rows, hidden] otherwise, on
    /// <see cref="Device"/>. Input on another device (a previous stage's hidden states) is moved here first.
    /// </summary>
    public torch.Tensor Forward(torch.Tensor input, IReadOnlyList<SequenceSegment> segments, LogitsMode mode = LogitsMode.LastOfEachSegment)
    {
        var total = segments.Sum(s => s.TokenCount);
        if (input.shape[0] != total)
        {
            throw new ArgumentException($"input has {input.shape[0]} rows, the segments {total}", nameof(input));
        }

        // Inference mode, not only no_grad: tensors made here carry no version counter or view-tracking metadata, which
        // saves host time on every op (about 8% of a decode step on the deep narrow benchmark). What it returns (logits,
        // hidden states) and any cache buffer it grows are inference tensors: read them anywhere, but update them in
        // place only inside a forward pass, which is the only place this code does.
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        foreach (var seg in segments)
        {
            var maxLen = Config.MaxPositionEmbeddings;
            if (seg.Cache.Length + seg.TokenCount > maxLen)
            {
                throw new ArgumentException($"sequence would reach {seg.Cache.Length + seg.TokenCount} tokens, past max_position_embeddings {maxLen}");
            }

            seg.Cache.Reserve(seg.TokenCount);
        }

        // Positions are known on the host: one tensor from a host array, and one table lookup for every layer.
        var positions = new long[total];
        var filled = 0;
        foreach (var seg in segments)
        {
            for (var t = 0; t < seg.TokenCount; t++)
            {
                positions[filled++] = seg.Cache.Length + t;
            }
        }

        var device = Device.Torch;
        var (cos, sin) = _rope.Angles(StepTensors.Int64(positions, device), DType, positions.Max());
        var here = TensorDevices.On(input, device);
        var x = Slice.HasEmbedding ? Embed(here) : here.to(DType);

        // Sequence lengths do not change until the commit below: the batched decode's indices serve every layer.
        using var decodeBatch = PagedDecodeBatch.TryCreate(segments);
        foreach (var layer in Layers)
        {
            var next = layer.Forward(x, cos, sin, segments, decodeBatch, Config, Group);
            x.Dispose();
            x = next;
        }

        foreach (var seg in segments)
        {
            seg.Cache.Commit(seg.TokenCount);
        }

        if (!Slice.HasHead)
        {
            return x.MoveToOuterDisposeScope();
        }

        var normed = RmsNorm.Apply(x, FinalNorm!, Config.RmsNormEps);
        if (mode == LogitsMode.LastOfEachSegment)
        {
            var last = new List<long>(segments.Count);
            long row = 0;
            foreach (var seg in segments)
            {
                row += seg.TokenCount;
                last.Add(row - 1);
            }

            normed = normed.index_select(0, torch.tensor(last.ToArray(), dtype: torch.ScalarType.Int64, device: device));
        }

        var local = torch.nn.functional.linear(normed, LmHead!);
        var logits = Slice.VocabCount < Config.VocabSize ? Group.AllGather(local, 1) : local;
        return logits.to(torch.ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Embedding?.Dispose();
        foreach (var l in Layers)
        {
            l.Dispose();
        }

        FinalNorm?.Dispose();
        if (!IsTied)
        {
            LmHead?.Dispose();
        }

        _rope.Dispose();
    }

    // Vocab-parallel lookup: rows outside this rank's range contribute zeros, and the group's sum fills them in.
    private torch.Tensor Embed(torch.Tensor ids)
    {
        if (Slice.VocabCount == Config.VocabSize)
        {
            return Embedding!.index_select(0, ids);
        }

        var local = ids - Slice.VocabStart;
        var inRange = local.ge(0).logical_and(local.lt(Slice.VocabCount));
        var rows = Embedding!.index_select(0, local.clamp(0, Slice.VocabCount - 1));
        var masked = rows * inRange.unsqueeze(1).to(rows.dtype);
        return Group.AllReduceSum(masked);
    }

    private static long Bytes(torch.Tensor? t) => t is null ? 0 : t.NumberOfElements * t.ElementSize;
}
