using Hunyuan.Model.Config;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// The HunYuan causal LM (hunyuan-spec §2): embedding (no scaling), decoder layers, final RMSNorm, lm_head
/// (the embedding when tied), logits in float32. Runs continuous batches: the rows of several sequences stacked,
/// each with its own KV cache.
/// </summary>
public sealed class HunyuanModel : IDisposable
{
    private readonly RotaryEmbedding _rope;

    public HunyuanModel(HunyuanConfig config, torch.ScalarType dtype, torch.Tensor embedding, IReadOnlyList<DecoderLayer> layers, torch.Tensor finalNorm, torch.Tensor lmHead)
    {
        Config = config;
        DType = dtype;
        Embedding = embedding;
        Layers = layers;
        FinalNorm = finalNorm;
        LmHead = lmHead;
        _rope = new RotaryEmbedding(config);
    }

    public HunyuanConfig Config { get; }

    public torch.ScalarType DType { get; }

    public torch.Tensor Embedding { get; }

    public IReadOnlyList<DecoderLayer> Layers { get; }

    public torch.Tensor FinalNorm { get; }

    /// <summary>The output projection; the same tensor as <see cref="Embedding"/> when tied.</summary>
    public torch.Tensor LmHead { get; }

    public bool IsTied => ReferenceEquals(LmHead, Embedding);

    public long ResidentBytes => Bytes(Embedding) + Layers.Sum(l => l.ResidentBytes) + Bytes(FinalNorm) + (IsTied ? 0 : Bytes(LmHead));

    /// <summary>A KV cache for one sequence, in the compute dtype.</summary>
    public KvCache NewCache() => new(Config, Config.NumKeyValueHeads, DType);

    /// <summary>
    /// Runs one step. <paramref name="ids"/> holds the new tokens of every segment, in segment order. Commits the
    /// new tokens to each segment's cache and returns float32 logits [rows, vocab].
    /// </summary>
    public torch.Tensor Forward(torch.Tensor ids, IReadOnlyList<SequenceSegment> segments, LogitsMode mode = LogitsMode.LastOfEachSegment)
    {
        var total = segments.Sum(s => s.TokenCount);
        if (ids.shape.Length != 1 || ids.shape[0] != total)
        {
            throw new ArgumentException($"ids must be [{total}] for these segments, got [{string.Join(", ", ids.shape)}]", nameof(ids));
        }

        using var noGrad = torch.no_grad();
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

        var positions = torch.cat(segments.Select(s => torch.arange(s.Cache.Length, s.Cache.Length + s.TokenCount, dtype: torch.ScalarType.Int64)).ToList(), 0);
        var (cos, sin) = _rope.Angles(positions, DType);
        var x = Embedding.index_select(0, ids);
        foreach (var layer in Layers)
        {
            var next = layer.Forward(x, cos, sin, segments, Config);
            x.Dispose();
            x = next;
        }

        foreach (var seg in segments)
        {
            seg.Cache.Commit(seg.TokenCount);
        }

        var normed = RmsNorm.Apply(x, FinalNorm, Config.RmsNormEps);
        if (mode == LogitsMode.LastOfEachSegment)
        {
            var last = new List<long>(segments.Count);
            long row = 0;
            foreach (var seg in segments)
            {
                row += seg.TokenCount;
                last.Add(row - 1);
            }

            normed = normed.index_select(0, torch.tensor(last.ToArray(), dtype: torch.ScalarType.Int64));
        }

        var logits = torch.nn.functional.linear(normed, LmHead).to(torch.ScalarType.Float32);
        return logits.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Embedding.Dispose();
        foreach (var l in Layers)
        {
            l.Dispose();
        }

        FinalNorm.Dispose();
        if (!IsTied)
        {
            LmHead.Dispose();
        }

        _rope.Dispose();
    }

    private static long Bytes(torch.Tensor t) => t.NumberOfElements * t.ElementSize;
}
