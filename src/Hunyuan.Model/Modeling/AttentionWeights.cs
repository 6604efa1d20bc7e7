using Hunyuan.Model.Config;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// One layer's attention (hunyuan-spec §2.3): projections, RoPE, then QK-norm, GQA, float32 softmax. A self layer
/// has K and V projections; a cross (CLA) layer attends over its self layer's cache entry. Holds
/// <see cref="Heads"/> query heads and <see cref="KvHeads"/> KV heads: all of them, or a tensor-parallel share
/// (then the output is this share's part of o_proj, to be summed across the group).
/// </summary>
public sealed class AttentionWeights : IDisposable
{
    private readonly long _qWidth;
    private readonly long _kvWidth;

    /// <param name="k">K projection; null on a cross layer.</param>
    /// <param name="v">V projection; null on a cross layer.</param>
    public AttentionWeights(
        int layer, bool isSelf, int heads, int kvHeads, ILinear q, ILinear? k, ILinear? v, ILinear o,
        torch.Tensor? queryNorm, torch.Tensor? keyNorm)
    {
        Layer = layer;
        IsSelf = isSelf;
        Heads = heads;
        KvHeads = kvHeads;
        _qWidth = q.OutFeatures;
        _kvWidth = k?.OutFeatures ?? 0;
        Qkv = isSelf ? StackedLinear.Of(q, k!, v!) : q;
        O = o;
        QueryNorm = queryNorm;
        KeyNorm = keyNorm;
    }

    public int Layer { get; }

    public bool IsSelf { get; }

    public int Heads { get; }

    public int KvHeads { get; }

    /// <summary>[q; k; v] stacked on a self layer, q alone on a cross layer.</summary>
    public ILinear Qkv { get; }

    public ILinear O { get; }

    public torch.Tensor? QueryNorm { get; }

    public torch.Tensor? KeyNorm { get; }

    public long ResidentBytes => Qkv.ResidentBytes + O.ResidentBytes
        + ((QueryNorm?.NumberOfElements ?? 0) * (QueryNorm?.ElementSize ?? 0)) + ((KeyNorm?.NumberOfElements ?? 0) * (KeyNorm?.ElementSize ?? 0));

    /// <param name="h">Normalised hidden states [N, hidden] of all segments, stacked.</param>
    /// <param name="cos">RoPE cos [N, 1, D] for the rows' positions.</param>
    /// <param name="sin">RoPE sin [N, 1, D].</param>
    /// <param name="segments">The sequences the rows belong to, in row order.</param>
    /// <param name="decodeBatch">Set when every segment is one decode token on a shared pool: all sequences attend in one batch.</param>
    /// <param name="config">Model config (head_dim, eps, CLA factor).</param>
    internal torch.Tensor Forward(torch.Tensor h, torch.Tensor cos, torch.Tensor sin, IReadOnlyList<SequenceSegment> segments, PagedDecodeBatch? decodeBatch, HunyuanConfig config)
    {
        var n = h.shape[0];
        var d = config.HeadDim;
        var eps = config.RmsNormEps;
        using var qkv = Qkv.Forward(h);
        using var qRaw = qkv.narrow(1, 0, _qWidth);
        using var qHeads = qRaw.reshape(n, Heads, d);
        var q = RotaryEmbedding.Apply(qHeads, cos, sin);
        if (QueryNorm is not null && KeyNorm is not null)
        {
            using var normed = RmsNorm.Apply(q, QueryNorm, eps);
            q.Dispose();

            // Fold this layer's key_layernorm weight into q: (q ⊙ w_k) · u == q · (w_k ⊙ u), exact in real arithmetic.
            q = normed * KeyNorm;
        }

        using var _q = q;
        if (decodeBatch is { } batch)
        {
            if (IsSelf)
            {
                using var rows = NewKeysAndValues(qkv, cos, sin, config);
                batch.Write(segments[0].Cache.EntryOf(Layer), rows.U, rows.V);
            }

            using var attended = AttendDecodeBatch(q, batch, segments, config);
            return O.Forward(attended);
        }

        if (IsSelf)
        {
            WriteNewKeysAndValues(qkv, cos, sin, segments, config);
        }

        var outputs = new List<torch.Tensor>(segments.Count);
        try
        {
            long row = 0;
            foreach (var seg in segments)
            {
                using var qs = q.narrow(0, row, seg.TokenCount);
                outputs.Add(AttendOneSequence(qs, seg, config));
                row += seg.TokenCount;
            }

            using var attn = outputs.Count == 1 ? outputs[0].alias() : torch.cat(outputs, 0);
            return O.Forward(attn);
        }
        finally
        {
            foreach (var t in outputs)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>U (RoPE'd keys, normalised when the layer has QK-norm) and V of the step's rows, [N, kv_heads, D].</summary>
    private KeysAndValues NewKeysAndValues(torch.Tensor qkv, torch.Tensor cos, torch.Tensor sin, HunyuanConfig config)
    {
        var n = qkv.shape[0];
        var d = config.HeadDim;
        using var kRaw = qkv.narrow(1, _qWidth, _kvWidth);
        using var vRaw = qkv.narrow(1, _qWidth + _kvWidth, _kvWidth);
        using var kHeads = kRaw.reshape(n, KvHeads, d);
        using var kRot = RotaryEmbedding.Apply(kHeads, cos, sin);

        // rms(RoPE(k)) == rms(k): the pair shares U = RoPE(k)/rms and each layer applies its own weight through q.
        return new KeysAndValues(QueryNorm is not null ? RmsNorm.Normalize(kRot, config.RmsNormEps) : kRot.alias(), vRaw.reshape(n, KvHeads, d));
    }

    private void WriteNewKeysAndValues(torch.Tensor qkv, torch.Tensor cos, torch.Tensor sin, IReadOnlyList<SequenceSegment> segments, HunyuanConfig config)
    {
        using var rows = NewKeysAndValues(qkv, cos, sin, config);
        var (u, vHeads) = (rows.U, rows.V);
        long row = 0;
        foreach (var seg in segments)
        {
            using var us = u.narrow(0, row, seg.TokenCount).transpose(0, 1);
            using var vs = vHeads.narrow(0, row, seg.TokenCount).transpose(0, 1);
            seg.Cache.Write(seg.Cache.EntryOf(Layer), us, vs);
            row += seg.TokenCount;
        }
    }

    // Every row is one sequence's decode token: q [B, heads, D] against [B, kv_heads, S_max, D], padding masked.
    private torch.Tensor AttendDecodeBatch(torch.Tensor q, PagedDecodeBatch batch, IReadOnlyList<SequenceSegment> segments, HunyuanConfig config)
    {
        var d = config.HeadDim;
        var groups = Heads / KvHeads;
        var (keys, values) = batch.Read(segments[0].Cache.EntryOf(Layer));
        using var _k = keys;
        using var _v = values;
        using var qg = q.reshape(batch.Count, KvHeads, groups, d);
        using var kt = keys.transpose(2, 3);
        using var raw = qg.matmul(kt);
        using var scores = raw / Math.Sqrt(d);
        scores.masked_fill_(batch.Padding, float.NegativeInfinity);
        using var probs32 = torch.nn.functional.softmax(scores, -1, torch.ScalarType.Float32);
        using var probs = probs32.to(q.dtype);
        using var o = probs.matmul(values);
        return o.reshape(batch.Count, Heads * d);
    }

    private torch.Tensor AttendOneSequence(torch.Tensor q, SequenceSegment seg, HunyuanConfig config)
    {
        var t = seg.TokenCount;
        var d = config.HeadDim;
        var groups = Heads / KvHeads;
        var past = seg.Cache.Length;
        var (keys, values) = seg.Cache.Read(seg.Cache.EntryOf(Layer), t);
        using var _k = keys;
        using var _v = values;
        var s = keys.shape[1];

        // [T, heads, D] -> [kv_heads, groups * T, D]: query head i uses KV head i / groups (repeat_kv without a copy).
        using var qg = q.permute(1, 0, 2).reshape(KvHeads, groups * t, d);
        using var kt = keys.transpose(1, 2);
        using var raw = qg.matmul(kt);
        using var scores = raw / Math.Sqrt(d);
        if (t > 1)
        {
            using var mask = torch.ones(t, s, dtype: torch.ScalarType.Bool, device: scores.device).triu(past + 1);
            using var view = scores.view(KvHeads, groups, t, s);
            view.masked_fill_(mask, float.NegativeInfinity);
        }

        using var probs32 = torch.nn.functional.softmax(scores, -1, torch.ScalarType.Float32);
        using var probs = probs32.to(q.dtype);
        using var o = probs.matmul(values);
        using var heads = o.view(Heads, t, d);
        return heads.permute(1, 0, 2).reshape(t, Heads * d);
    }

    private sealed record KeysAndValues(torch.Tensor U, torch.Tensor V) : IDisposable
    {
        public void Dispose()
        {
            U.Dispose();
            V.Dispose();
        }
    }

    public void Dispose()
    {
        Qkv.Dispose();
        O.Dispose();
        QueryNorm?.Dispose();
        KeyNorm?.Dispose();
    }
}
