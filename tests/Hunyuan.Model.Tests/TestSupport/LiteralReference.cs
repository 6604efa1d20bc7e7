using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hunyuan.Model.Tests.TestSupport;

/// <summary>
/// A literal float32 transcription of Tencent's modeling_hunyuan.py forward (recompute, no cache): per-layer K with
/// its own key_layernorm, repeat_kv, a token-by-token MoE loop. Deliberately naive and independent of the product's
/// code paths (no q-folding, no shared cache entries, no batching), so configurations the fixtures do not cover
/// (dense, no CLA, CLA factor 3, untied, no QK-norm, top-k 2) can be checked against it.
/// </summary>
public sealed class LiteralReference : IDisposable
{
    private readonly HunyuanConfig _c;
    private readonly Dictionary<string, Tensor> _w = new(StringComparer.Ordinal);

    public LiteralReference(string directory)
    {
        _c = HunyuanConfig.Load(directory);
        using var ckpt = SafeTensorsCheckpoint.Open(directory);
        foreach (var spec in ModelTensors.For(_c))
        {
            using var raw = ckpt.Read(spec.Name);
            _w[spec.Name] = raw.to(ScalarType.Float32);
        }
    }

    public Tensor Logits(long[] ids)
    {
        using var scope = NewDisposeScope();
        var c = _c;
        int t = ids.Length, d = c.HeadDim, heads = c.NumAttentionHeads, kvh = c.NumKeyValueHeads;
        var x = _w[TensorNames.Embedding].index_select(0, tensor(ids));
        var baseFreq = c.RopeScaling is null ? c.RopeTheta : c.RopeTheta * Math.Pow(c.RopeScaling.Alpha, d / (double)(d - 2));
        var invFreq = 1.0f / pow(tensor((float)baseFreq), arange(0, d, 2, dtype: ScalarType.Int64).to(ScalarType.Float32) / d);
        if (c.RopeScaling is null)
        {
            invFreq = invFreq.to(ScalarType.BFloat16).to(ScalarType.Float32);
        }

        var freqs = outer(arange(t, dtype: ScalarType.Float32), invFreq);
        var emb = cat([freqs, freqs], 1);
        var cos = emb.cos().unsqueeze(1);
        var sin = emb.sin().unsqueeze(1);
        var mask = ones(t, t, dtype: ScalarType.Bool).triu(1);
        (Tensor K, Tensor V)? prev = null;
        for (var l = 0; l < c.NumHiddenLayers; l++)
        {
            var h = Rms(x, _w[TensorNames.InputNorm(l)]);
            var q = nn.functional.linear(h, _w[TensorNames.QProj(l)]).view(t, heads, d);
            Tensor kRaw, v;
            var cross = c.UseCla && l % c.ClaShareFactor != 0;
            if (cross)
            {
                (kRaw, v) = prev!.Value;
            }
            else
            {
                kRaw = nn.functional.linear(h, _w[TensorNames.KProj(l)]);
                v = nn.functional.linear(h, _w[TensorNames.VProj(l)]);
                if (c.UseCla)
                {
                    prev = (kRaw, v);
                }
            }

            var k = Rope(kRaw.view(t, kvh, d), cos, sin);
            q = Rope(q, cos, sin);
            if (c.UseQkNorm)
            {
                q = Rms(q, _w[TensorNames.QueryNorm(l)]);
                k = Rms(k, _w[TensorNames.KeyNorm(l)]);
            }

            var groups = heads / kvh;
            var kRep = k.permute(1, 0, 2).repeat_interleave(groups, 0);               // [heads, t, d]
            var vRep = v.view(t, kvh, d).permute(1, 0, 2).repeat_interleave(groups, 0);
            var scores = q.permute(1, 0, 2).matmul(kRep.transpose(1, 2)) / Math.Sqrt(d);
            scores = scores.masked_fill(mask, float.NegativeInfinity);
            var attn = nn.functional.softmax(scores, -1).matmul(vRep).permute(1, 0, 2).reshape(t, heads * d);
            x = x + nn.functional.linear(attn, _w[TensorNames.OProj(l)]);

            var h2 = Rms(x, _w[TensorNames.PostAttentionNorm(l)]);
            x = x + Mlp(l, h2);
        }

        x = Rms(x, _w[TensorNames.FinalNorm]);
        var head = c.TieWordEmbeddings ? _w[TensorNames.Embedding] : _w[TensorNames.LmHead];
        return nn.functional.linear(x, head).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var w in _w.Values)
        {
            w.Dispose();
        }
    }

    private Tensor Mlp(int l, Tensor h)
    {
        var c = _c;
        if (c.NumExperts == 1)
        {
            return Swiglu(h, p => TensorNames.DenseMlp(l, p));
        }

        var output = zeros_like(h);
        var probs = nn.functional.softmax(nn.functional.linear(h, _w[TensorNames.Router(l)]), 1);
        for (var tok = 0; tok < h.shape[0]; tok++)
        {
            var (vals, idx) = probs[tok].topk(c.MoeTopK);
            var weights = c.MoeTopK == 1 ? vals : vals / vals.sum();
            for (var j = 0; j < c.MoeTopK; j++)
            {
                var e = (int)idx[j].item<long>();
                var y = Swiglu(h[tok].unsqueeze(0), p => TensorNames.Expert(l, e, p));
                output[tok] += weights[j] * y[0];
            }
        }

        return c.UseMixedMlpMoe ? Swiglu(h, p => TensorNames.SharedMlp(l, p)) + output : output;
    }

    private Tensor Swiglu(Tensor x, Func<string, string> name) =>
        nn.functional.linear(
            nn.functional.silu(nn.functional.linear(x, _w[name("gate_proj")])) * nn.functional.linear(x, _w[name("up_proj")]),
            _w[name("down_proj")]);

    private Tensor Rms(Tensor x, Tensor w) => w * (x * (x.pow(2).mean([-1], keepdim: true) + _c.RmsNormEps).rsqrt());

    private static Tensor Rope(Tensor x, Tensor cos, Tensor sin)
    {
        var half = x.shape[^1] / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
        return (x * cos) + (rotated * sin);
    }
}
