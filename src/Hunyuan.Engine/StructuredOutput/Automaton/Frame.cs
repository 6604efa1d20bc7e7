namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>
/// One level of the automaton's stack: what it expects next. Frames are immutable records (equal by value, so equal
/// states share cached masks); reading a byte replaces the frame, pushes a child, or pops it (hands the rest on).
/// </summary>
internal abstract record Frame
{
    /// <summary>May the input end with this frame on the stack (a number's optional digits, a whitespace gap)?</summary>
    public virtual bool CanEnd => false;

    /// <summary>Reads one byte with this frame on top of <paramref name="rest"/>; adds every resulting stack.</summary>
    public abstract void Feed(byte b, ParseStack rest, ISet<ParseStack> output);

    protected static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\t' or (byte)'\r';

    protected static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
