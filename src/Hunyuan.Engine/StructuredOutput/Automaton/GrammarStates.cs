namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>Where a value of a schema starts, and whether a whole byte string is one.</summary>
internal static class GrammarStates
{
    public static GrammarState Start(SchemaNode root, GrammarLimits limits)
    {
        var configurations = new HashSet<ParseStack> { ParseStack.Empty.Push(new ValueFrame(root, limits)) };

        // Only guided_choice can offer the empty string; every JSON value has at least one byte.
        if (root is LiteralNode l && l.Choices.Any(c => c.Length == 0))
        {
            configurations.Add(ParseStack.Empty);
        }

        return new GrammarState(configurations);
    }

    /// <summary>Is <paramref name="bytes"/> exactly a value the grammar generates for <paramref name="root"/>?</summary>
    public static bool Accepts(SchemaNode root, ReadOnlySpan<byte> bytes, GrammarLimits limits) =>
        Start(root, limits).Feed(bytes) is { Accepting: true };
}
