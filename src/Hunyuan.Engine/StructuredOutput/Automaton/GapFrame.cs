namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>Optional whitespace between structural characters, at most <see cref="Max"/> of it.</summary>
internal sealed record GapFrame(int Used, int Max) : Frame
{
    public override bool CanEnd => true;

    public override void Feed(byte b, ParseStack rest, ISet<ParseStack> output)
    {
        if (IsWhitespace(b) && Used < Max)
        {
            output.Add(rest.Push(this with { Used = Used + 1 }));
        }

        rest.Feed(b, output);
    }

    /// <summary>Pushes a gap unless whitespace is off altogether.</summary>
    public static ParseStack Before(ParseStack stack, GrammarLimits limits) =>
        limits.MaxWhitespace > 0 ? stack.Push(new GapFrame(0, limits.MaxWhitespace)) : stack;
}
