using System.Collections.Concurrent;
using Hunyuan.Engine.StructuredOutput.Automaton;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// A compiled schema over a vocabulary: a byte-level pushdown automaton whose states are interned, each with its mask
/// (a token is allowed iff the automaton accepts all its bytes from the state: one walk of the vocabulary trie) and
/// its transitions by token, computed once and shared by every sequence that starts from this grammar. Past
/// <see cref="GrammarLimits.MaxCachedStates"/> states, new ones are not kept (their masks are computed per sequence).
/// </summary>
public sealed class TokenGrammar : ITokenGrammar
{
    private readonly ConcurrentDictionary<GrammarState, GrammarStateEntry> _states = new();
    private readonly GrammarStateEntry _start;
    private long _masksComputed;

    public TokenGrammar(SchemaNode root, TokenVocabulary vocabulary, GrammarLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(vocabulary);
        Limits = limits ?? GrammarLimits.Default;
        Limits.Validate();
        Vocabulary = vocabulary;
        Root = root;
        _start = Entry(GrammarStates.Start(root, Limits));
    }

    public TokenVocabulary Vocabulary { get; }

    public SchemaNode Root { get; }

    public GrammarLimits Limits { get; }

    /// <summary>States interned so far (each with its mask once asked for).</summary>
    public int CachedStates => _states.Count;

    /// <summary>Masks computed so far: one per interned state, plus one each time an uncached state is asked.</summary>
    public long MasksComputed => Interlocked.Read(ref _masksComputed);

    public ITokenConstraint Start() => new TokenConstraint(this, _start);

    internal GrammarStateEntry Entry(GrammarState state)
    {
        if (_states.TryGetValue(state, out var known))
        {
            return known;
        }

        var entry = new GrammarStateEntry(this, state);
        return _states.Count < Limits.MaxCachedStates ? _states.GetOrAdd(state, entry) : entry;
    }

    internal (ulong[] Mask, bool Complete) ComputeMask(GrammarState state)
    {
        Interlocked.Increment(ref _masksComputed);
        var mask = new ulong[Vocabulary.MaskWords];
        var extendable = Walk(Vocabulary.Trie.Root, state, mask);
        var accepting = state.Accepting;
        if (accepting)
        {
            foreach (var end in Vocabulary.EndIds)
            {
                mask[end >> 6] |= 1UL << (int)(end & 63);
            }
        }

        return (mask, accepting && !extendable);
    }

    private static bool Walk(VocabularyTrie.Node node, GrammarState state, ulong[] mask)
    {
        var any = false;
        for (var i = 0; i < node.Edges.Length; i++)
        {
            if (state.Feed(node.Edges[i]) is not { } next)
            {
                continue;
            }

            var child = node.Children[i];
            foreach (var id in child.Ids)
            {
                mask[id >> 6] |= 1UL << (id & 63);
                any = true;
            }

            any |= Walk(child, next, mask);
        }

        return any;
    }
}
