using System.Collections.Concurrent;
using Hunyuan.Engine.StructuredOutput.Automaton;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>One automaton state of a grammar: its mask and completeness (computed on first use) and where each token leads.</summary>
internal sealed class GrammarStateEntry(TokenGrammar grammar, GrammarState state)
{
    private readonly Lazy<(ulong[] Mask, bool Complete)> _mask = new(() => grammar.ComputeMask(state));
    private readonly ConcurrentDictionary<long, GrammarStateEntry> _next = new();

    public GrammarState State { get; } = state;

    /// <summary>Shared: never handed out without a copy.</summary>
    public ulong[] Mask => _mask.Value.Mask;

    /// <summary>A complete value no token can extend.</summary>
    public bool Complete => _mask.Value.Complete;

    public bool Allows(long token) => token >= 0 && token < (long)Mask.Length * 64 && (Mask[token >> 6] & (1UL << (int)(token & 63))) != 0;

    public GrammarStateEntry Next(long token) => _next.GetOrAdd(token, t =>
        grammar.Entry(State.Feed(grammar.Vocabulary.Bytes(t)) ?? throw new InvalidOperationException($"token {t} was in the mask but the automaton refuses its bytes")));
}
