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
    private readonly torch.Tensor? _queryFold;

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
        Qkv = isSelf ? StackedLinear.Of(q, k!, v!) : q;
        O = o;
        QueryNorm = queryNorm;
        KeyNorm = keyNorm;
        if (queryNorm is not null && keyNorm is not null)
        {
            // q_layernorm's weight and the folded key_layernorm weight in one multiply; the product is formed in
            // float32 so the activation is rounded once instead of twice.
            using var product = queryNorm.to(torch.ScalarType.Float32) * keyNorm.to(torch.ScalarType.Float32);
            _queryFold = product.to(queryNorm.dtype).DetachFromDisposeScope();
        }
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
        using var qkv = Qkv.Forward(h);

        // One view of every head (q, then k and v on a self layer); RoPE and the QK-norm run once over q and k together.
        using var heads = qkv.view(n, -1, config.HeadDim);
        var rotatedHeads = IsSelf ? Heads + KvHeads : Heads;
        using var qk = heads.narrow(1, 0, rotatedHeads);
        using var rotated = RotaryEmbedding.Apply(qk, cos, sin);

        // rms(RoPE(k)) == rms(k): the pair shares U = RoPE(k)/rms and each layer applies its own weight through q.
        using var normed = _queryFold is not null ? RmsNorm.Normalize(rotated, config.RmsNormEps) : rotated.alias();
        using var q = normed.narrow(1, 0, Heads);
        if (_queryFold is not null)
        {
            // (q ⊙ w_q ⊙ w_k) · u == (q ⊙ w_q) · (w_k ⊙ u): this layer's key_layernorm weight folded into q.
            StepTensors.InPlace(q, t => t.mul_(_queryFold));
        }

        using var u = IsSelf ? normed.narrow(1, Heads, KvHeads) : null;
        using var v = IsSelf ? heads.narrow(1, rotatedHeads, KvHeads) : null;
        if (decodeBatch is { } batch)
        {
            if (IsSelf)
            {
                batch.Write(segments[0].Cache.EntryOf(Layer), u!, v!);
            }

            using var attended = AttendDecodeBatch(q, batch, segments, config);
            return O.Forward(attended);
        }

        if (segments.Count == 1 && n == 1)
        {
            using var attended = AttendOneDecodeToken(q, u, v, segments[0].Cache, config);
            return O.Forward(attended);
        }

        if (IsSelf)
        {
            WriteNewKeysAndValues(u!, v!, segments);
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

    // One sequence, one new token: write its row, then one fused attention call over the cache (no mask: every
    // cached position precedes the new one). A KV head's query heads stand in for rows of one "sequence".
    private torch.Tensor AttendOneDecodeToken(torch.Tensor q, torch.Tensor? u, torch.Tensor? v, IKvCache cache, HunyuanConfig config)
    {
        var entry = cache.EntryOf(Layer);
        if (IsSelf)
        {
            using var ut = u!.transpose(0, 1);
            using var vt = v!.transpose(0, 1);
            cache.Write(entry, ut, vt);
        }

        var (keys, values) = cache.Read(entry, 1);
        using var _k = keys;
        using var _v = values;
        using var k4 = keys.unsqueeze(0);
        using var v4 = values.unsqueeze(0);
        using var q4 = q.view(1, KvHeads, Heads / KvHeads, config.HeadDim);
        using var o = torch.nn.functional.scaled_dot_product_attention(q4, k4, v4);
        return o.view(1, Heads * config.HeadDim);
    }

    private void WriteNewKeysAndValues(torch.Tensor u, torch.Tensor v, IReadOnlyList<SequenceSegment> segments)
    {
        long row = 0;
        foreach (var seg in segments)
        {
            using var us = u.narrow(0, row, seg.TokenCount).transpose(0, 1);
            using var vs = v.narrow(0, row, seg.TokenCount).transpose(0, 1);
            seg.Cache.Write(seg.Cache.EntryOf(Layer), us, vs);
            row += seg.TokenCount;
        }
    }

    // Every row is one sequence's decode token: one fused attention call for all of them, padding masked out.
    private torch.Tensor AttendDecodeBatch(torch.Tensor q, PagedDecodeBatch batch, IReadOnlyList<SequenceSegment> segments, HunyuanConfig config)
    {
        var d = config.HeadDim;
        var (keys, values) = batch.Read(segments[0].Cache.EntryOf(Layer));
        using var _k = keys;
        using var _v = values;
        using var qg = q.view(batch.Count, KvHeads, Heads / KvHeads, d);
        using var o = torch.nn.functional.scaled_dot_product_attention(qg, keys, values, batch.Keep);
        return o.view(batch.Count, Heads * d);
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

    public void Dispose()
    {
        Qkv.Dispose();
        O.Dispose();
        QueryNorm?.Dispose();
        KeyNorm?.Dispose();
        _queryFold?.Dispose();
    }
}
