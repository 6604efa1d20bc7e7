using System.Diagnostics;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// One step as every rank receives it: its id, the lease it was sent under, the batch (with each sampled sequence's
/// grammar mask, packed: vocab/8 bytes), and the trace context of the driver's step span (when traced), so each rank's
/// work on it joins the request's trace.
/// </summary>
public sealed record StepMessage(long StepId, long Lease, IReadOnlyList<ExecutorSequence> Batch, ActivityContext? Trace = null)
{
    internal ReadOnlyMemory<byte> Encode()
    {
        var w = new WireWriter().I64(StepId).I64(Lease);
        if (Trace is { } t)
        {
            Span<byte> ids = stackalloc byte[24];
            t.TraceId.CopyTo(ids[..16]);
            t.SpanId.CopyTo(ids[16..]);
            w.U8(1).Bytes(ids).U8((byte)t.TraceFlags);
        }
        else
        {
            w.U8(0);
        }

        w.I32(Batch.Count);
        foreach (var s in Batch)
        {
            w.I64(s.SequenceId).I32(s.StartPosition).I32(s.PromptLength).I64s(s.TokenIds);
            w.U8(s.BlockTable is null ? (byte)0 : (byte)1);
            if (s.BlockTable is not null)
            {
                w.I32s(s.BlockTable);
            }

            var p = s.Sampling;
            w.F64(p.Temperature).F64(p.TopP).I32(p.TopK).F64(p.MinP).F64(p.RepetitionPenalty).F64(p.PresencePenalty).F64(p.FrequencyPenalty).I64(p.Seed).I32(p.VocabLimit).I32(p.Logprobs);
            w.U8(s.Preceding is null ? (byte)0 : (byte)1);
            if (s.Preceding is not null)
            {
                w.I64s(s.Preceding);
            }

            w.U8(s.AllowedTokens is null ? (byte)0 : (byte)1);
            if (s.AllowedTokens is not null)
            {
                w.U64s(s.AllowedTokens);
            }
        }

        return w.Written;
    }

    internal static StepMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        var stepId = r.I64();
        var lease = r.I64();
        ActivityContext? trace = null;
        if (r.U8() == 1)
        {
            var ids = r.Take(24);
            trace = new ActivityContext(ActivityTraceId.CreateFromBytes(ids[..16]), ActivitySpanId.CreateFromBytes(ids[16..]), (ActivityTraceFlags)r.U8(), isRemote: true);
        }

        var count = r.Count(16);
        var batch = new ExecutorSequence[count];
        for (var i = 0; i < count; i++)
        {
            var id = r.I64();
            var start = r.I32();
            var promptLength = r.I32();
            var tokens = r.I64s();
            var blocks = r.U8() == 0 ? null : r.I32s();
            var sampling = new SamplingParameters(r.F64(), r.F64(), r.I32(), r.F64(), r.F64(), r.F64(), r.F64(), r.I64(), r.I32(), r.I32());
            var preceding = r.U8() == 0 ? null : r.I64s();
            var allowed = r.U8() == 0 ? null : r.U64s();
            if (start < 0 || promptLength < 0 || tokens.Length == 0 || (preceding is not null && preceding.Length != start))
            {
                throw new InvalidDataException($"step {stepId}: sequence {id} has start {start}, prompt length {promptLength}, {tokens.Length} tokens and {preceding?.Length} preceding");
            }

            if (sampling.Logprobs is < -1 or > TokenLogprobs.MaxTop)
            {
                throw new InvalidDataException($"step {stepId}: sequence {id} asks for {sampling.Logprobs} top logprobs; at most {TokenLogprobs.MaxTop}");
            }

            batch[i] = new ExecutorSequence(id, start, tokens, blocks, sampling, promptLength, allowed, preceding);
        }

        r.End();
        return new StepMessage(stepId, lease, batch, trace);
    }
}
