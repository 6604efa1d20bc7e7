namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// What one rank reports for one step: done (with the sampled ids on the last stage's first rank), or failed with the
/// reason and whether collectives were under way (then the ranks need a reset).
/// </summary>
public sealed record StepOutcome(long StepId, long[]? Tokens, string? Error = null, bool CollectivesAffected = false)
{
    public bool Failed => Error is not null;

    internal ReadOnlyMemory<byte> Encode()
    {
        var w = new WireWriter().I64(StepId);
        if (Error is not null)
        {
            return w.U8(CollectivesAffected ? (byte)3 : (byte)2).Str(Error).Written;
        }

        return Tokens is null ? w.U8(0).Written : w.U8(1).I64s(Tokens).Written;
    }

    internal static StepOutcome Decode(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        var step = r.I64();
        var outcome = r.U8() switch
        {
            0 => new StepOutcome(step, null),
            1 => new StepOutcome(step, r.I64s()),
            2 => new StepOutcome(step, null, r.Str()),
            3 => new StepOutcome(step, null, r.Str(), true),
            var k => throw new InvalidDataException($"unknown step outcome {k}"),
        };
        r.End();
        return outcome;
    }
}
