namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>
/// One configuration of the pushdown automaton: an immutable stack of frames, the top one reading the next byte.
/// Structurally equal stacks are equal (states are cached by value); the hash is computed once.
/// </summary>
internal sealed class ParseStack : IEquatable<ParseStack>
{
    private readonly int _hash;

    private ParseStack(Frame? top, ParseStack? rest)
    {
        Top = top;
        Rest = rest;
        _hash = top is null ? 0 : HashCode.Combine(top, rest!._hash);
    }

    /// <summary>Nothing left to read: the value is complete.</summary>
    public static ParseStack Empty { get; } = new(null, null);

    public Frame? Top { get; }

    public ParseStack? Rest { get; }

    public bool IsEmpty => Top is null;

    /// <summary>Complete if the input ended here: every frame left may end without another byte.</summary>
    public bool CanEnd
    {
        get
        {
            for (var s = this; s.Top is not null; s = s.Rest!)
            {
                if (!s.Top.CanEnd)
                {
                    return false;
                }
            }

            return true;
        }
    }

    public ParseStack Push(Frame frame) => new(frame, this);

    /// <summary>Feeds one byte to this configuration; every configuration it can lead to goes to <paramref name="output"/>.</summary>
    public void Feed(byte b, ISet<ParseStack> output)
    {
        if (Top is not null)
        {
            Top.Feed(b, Rest!, output);
        }
    }

    public bool Equals(ParseStack? other)
    {
        var a = this;
        var o = other;
        while (true)
        {
            if (ReferenceEquals(a, o))
            {
                return true;
            }

            if (o is null || a._hash != o._hash || !Equals(a.Top, o.Top))
            {
                return false;
            }

            a = a.Rest!;
            o = o.Rest;
            if (a is null)
            {
                return o is null;
            }
        }
    }

    public override bool Equals(object? obj) => obj is ParseStack s && Equals(s);

    public override int GetHashCode() => _hash;
}
