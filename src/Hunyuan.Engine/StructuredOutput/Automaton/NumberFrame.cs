namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>
/// Inside a JSON number (RFC 8259's grammar; an integer stops before '.' and 'e'), with at most the limits' digits in
/// each part. A number may end wherever it is complete: the next byte then goes to what is below.
/// </summary>
internal sealed record NumberFrame(bool Integer, NumberPhase Phase, int Digits, GrammarLimits Limits) : Frame
{
    public override bool CanEnd => Phase is NumberPhase.Zero or NumberPhase.Integer or NumberPhase.Fraction or NumberPhase.ExponentDigits;

    public static void Begin(bool integer, byte b, ParseStack rest, ISet<ParseStack> output, GrammarLimits limits)
    {
        var phase = b switch
        {
            (byte)'-' => NumberPhase.Sign,
            (byte)'0' => NumberPhase.Zero,
            >= (byte)'1' and <= (byte)'9' => NumberPhase.Integer,
            _ => (NumberPhase?)null,
        };
        if (phase is { } p)
        {
            output.Add(rest.Push(new NumberFrame(integer, p, p == NumberPhase.Integer ? 1 : 0, limits)));
        }
    }

    public override void Feed(byte b, ParseStack rest, ISet<ParseStack> output)
    {
        if (Continue(b) is { } next)
        {
            output.Add(rest.Push(next));
        }

        if (CanEnd)
        {
            rest.Feed(b, output);
        }
    }

    private NumberFrame? Continue(byte b)
    {
        var digit = IsDigit(b);
        var fractionOrExponent = !Integer && b is (byte)'.' or (byte)'e' or (byte)'E';
        return Phase switch
        {
            NumberPhase.Sign when b == '0' => this with { Phase = NumberPhase.Zero },
            NumberPhase.Sign when digit => this with { Phase = NumberPhase.Integer, Digits = 1 },
            NumberPhase.Integer when digit && Digits < Limits.MaxIntegerDigits => this with { Digits = Digits + 1 },
            NumberPhase.Zero or NumberPhase.Integer when fractionOrExponent => b == '.' ? this with { Phase = NumberPhase.Dot, Digits = 0 } : this with { Phase = NumberPhase.Exponent, Digits = 0 },
            NumberPhase.Dot when digit => this with { Phase = NumberPhase.Fraction, Digits = 1 },
            NumberPhase.Fraction when digit && Digits < Limits.MaxFractionDigits => this with { Digits = Digits + 1 },
            NumberPhase.Fraction when !Integer && b is (byte)'e' or (byte)'E' => this with { Phase = NumberPhase.Exponent, Digits = 0 },
            NumberPhase.Exponent when b is (byte)'+' or (byte)'-' => this with { Phase = NumberPhase.ExponentSign },
            NumberPhase.Exponent or NumberPhase.ExponentSign when digit => this with { Phase = NumberPhase.ExponentDigits, Digits = 1 },
            NumberPhase.ExponentDigits when digit && Digits < Limits.MaxExponentDigits => this with { Digits = Digits + 1 },
            _ => null,
        };
    }
}
