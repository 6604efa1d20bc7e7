using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// What one rank reports for one step: done (with the sampled tokens, and their logprobs where asked, on the last
/// stage's first rank), or failed with the reason and whether collectives were under way (then the ranks need a reset),
/// or refused because the rank serves a newer lease than the step's (<paramref name="Superseded"/>: its driver is done).
/// <paramref name="ComputeSeconds"/> is the rank's own time on the step outside its pipeline links (the forward pass,
/// its collectives, sampling), so the driver can tell the data plane's cost from the ranks' work.
/// </summary>
public sealed record StepOutcome(long StepId, SampledToken[]? Tokens, string? Error = null, bool CollectivesAffected = false, bool Superseded = false, double ComputeSeconds = 0)
{
    public bool Failed => Error is not null;

    internal ReadOnlyMemory<byte> Encode()
    {
        var w = new WireWriter().I64(StepId);
        EncodeResult(w);
        return w.F64(ComputeSeconds).Written;
    }

    private void EncodeResult(WireWriter w)
    {
        if (Error is not null)
        {
            w.U8(Superseded ? (byte)5 : CollectivesAffected ? (byte)3 : (byte)2).Str(Error);
            return;
        }

        if (Tokens is null)
        {
            w.U8(0);
            return;
        }

        // Kind 1 is ids only, as before logprobs; kind 4 adds each token's logprobs (a flag, then its value and top k).
        var withLogprobs = Tokens.Any(t => t.Logprobs is not null);
        w.U8(withLogprobs ? (byte)4 : (byte)1).I64s(Tokens.Select(t => t.Token).ToArray());
        if (withLogprobs)
        {
            foreach (var t in Tokens)
            {
                if (t.Logprobs is not { } lp)
                {
                    w.U8(0);
                    continue;
                }

                w.U8(1).F32(lp.Logprob).I32(lp.TopIds.Length);
                for (var i = 0; i < lp.TopIds.Length; i++)
                {
                    w.I64(lp.TopIds[i]).F32(lp.TopLogprobs[i]);
                }
            }
        }
    }

    internal static StepOutcome Decode(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        var step = r.I64();
        var outcome = r.U8() switch
        {
            0 => new StepOutcome(step, null),
            1 => new StepOutcome(step, r.I64s().Select(t => new SampledToken(t)).ToArray()),
            2 => new StepOutcome(step, null, r.Str()),
            3 => new StepOutcome(step, null, r.Str(), true),
            4 => new StepOutcome(step, DecodeWithLogprobs(ref r)),
            5 => new StepOutcome(step, null, r.Str(), Superseded: true),
            var k => throw new InvalidDataException($"unknown step outcome {k}"),
        };
        var compute = r.F64();
        r.End();
        if (!double.IsFinite(compute) || compute < 0)
        {
            throw new InvalidDataException($"step {step}'s result reports {compute} s of compute");
        }

        return outcome with { ComputeSeconds = compute };
    }

    private static SampledToken[] DecodeWithLogprobs(ref WireReader r)
    {
        var ids = r.I64s();
        var tokens = new SampledToken[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if (r.U8() == 0)
            {
                tokens[i] = new SampledToken(ids[i]);
                continue;
            }

            var logprob = r.F32();
            var n = r.Count(12);
            if (n > TokenLogprobs.MaxTop)
            {
                throw new InvalidDataException($"a step result carries {n} top logprobs; at most {TokenLogprobs.MaxTop}");
            }

            var topIds = new long[n];
            var top = new float[n];
            for (var j = 0; j < n; j++)
            {
                topIds[j] = r.I64();
                top[j] = r.F32();
            }

            tokens[i] = new SampledToken(ids[i], new TokenLogprobs(logprob, topIds, top));
        }

        return tokens;
    }
}
