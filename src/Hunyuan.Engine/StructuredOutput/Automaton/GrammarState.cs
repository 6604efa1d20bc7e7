namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>
/// Where the automaton can be after the bytes so far: a set of configurations (anyOf, optional properties and a
/// number that may or may not go on make it nondeterministic). Equal by content, whatever the order.
/// </summary>
internal sealed class GrammarState : IEquatable<GrammarState>
{
    private readonly HashSet<ParseStack> _configurations;
    private readonly int _hash;

    public GrammarState(HashSet<ParseStack> configurations)
    {
        _configurations = configurations;
        foreach (var c in configurations)
        {
            _hash += c.GetHashCode();
        }
    }

    public IReadOnlyCollection<ParseStack> Configurations => _configurations;

    /// <summary>The input may end here: the value so far is complete.</summary>
    public bool Accepting => _configurations.Any(c => c.CanEnd);

    /// <summary>The state after one more byte, or null when no configuration takes it.</summary>
    public GrammarState? Feed(byte b)
    {
        var next = new HashSet<ParseStack>();
        foreach (var c in _configurations)
        {
            c.Feed(b, next);
        }

        return next.Count == 0 ? null : new GrammarState(next);
    }

    public GrammarState? Feed(ReadOnlySpan<byte> bytes)
    {
        var state = this;
        foreach (var b in bytes)
        {
            state = state.Feed(b);
            if (state is null)
            {
                return null;
            }
        }

        return state;
    }

    public bool Equals(GrammarState? other) =>
        other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && _configurations.SetEquals(other._configurations)));

    public override bool Equals(object? obj) => obj is GrammarState s && Equals(s);

    public override int GetHashCode() => _hash;
}
