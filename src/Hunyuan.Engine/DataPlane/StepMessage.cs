using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.DataPlane;

/// <summary>One step as every rank receives it: its id, the lease it was sent under, and the batch.</summary>
public sealed record StepMessage(long StepId, long Lease, IReadOnlyList<ExecutorSequence> Batch)
{
    internal ReadOnlyMemory<byte> Encode()
    {
        var w = new WireWriter().I64(StepId).I64(Lease).I32(Batch.Count);
        foreach (var s in Batch)
        {
            w.I64(s.SequenceId).I32(s.StartPosition).I32(s.PromptLength).I64s(s.TokenIds);
            w.U8(s.BlockTable is null ? (byte)0 : (byte)1);
            if (s.BlockTable is not null)
            {
                w.I32s(s.BlockTable);
            }

            var p = s.Sampling;
            w.F64(p.Temperature).F64(p.TopP).I32(p.TopK).F64(p.MinP).F64(p.RepetitionPenalty).F64(p.PresencePenalty).F64(p.FrequencyPenalty).I64(p.Seed).I32(p.VocabLimit);
        }

        return w.Written;
    }

    internal static StepMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        var stepId = r.I64();
        var lease = r.I64();
        var count = r.Count(16);
        var batch = new ExecutorSequence[count];
        for (var i = 0; i < count; i++)
        {
            var id = r.I64();
            var start = r.I32();
            var promptLength = r.I32();
            var tokens = r.I64s();
            var blocks = r.U8() == 0 ? null : r.I32s();
            var sampling = new SamplingParameters(r.F64(), r.F64(), r.I32(), r.F64(), r.F64(), r.F64(), r.F64(), r.I64(), r.I32());
            if (start < 0 || promptLength < 0 || tokens.Length == 0)
            {
                throw new InvalidDataException($"step {stepId}: sequence {id} has start {start}, prompt length {promptLength} and {tokens.Length} tokens");
            }

            batch[i] = new ExecutorSequence(id, start, tokens, blocks, sampling, promptLength);
        }

        r.End();
        return new StepMessage(stepId, lease, batch);
    }
}
