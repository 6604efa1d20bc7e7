using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// Grammars by definition, least recently used dropped past <see cref="Capacity"/>: requests with the same schema share
/// one grammar and so its cached masks.
/// </summary>
public sealed class TokenGrammarCache(TokenVocabulary vocabulary, GrammarLimits? limits = null, int capacity = 32)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, TokenGrammar Grammar)>> _byKey = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, TokenGrammar Grammar)> _recent = new();
    private readonly object _gate = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "at least 1");

    public TokenVocabulary Vocabulary { get; } = vocabulary;

    public GrammarLimits Limits { get; } = limits ?? GrammarLimits.Default;

    public ITokenGrammar Get(GrammarDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        lock (_gate)
        {
            if (_byKey.TryGetValue(definition.CacheKey, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Grammar;
            }

            var grammar = new TokenGrammar(definition.Root, Vocabulary, Limits);
            _byKey[definition.CacheKey] = _recent.AddFirst((definition.CacheKey, grammar));
            if (_recent.Count > Capacity)
            {
                _byKey.Remove(_recent.Last!.Value.Key);
                _recent.RemoveLast();
            }

            return grammar;
        }
    }
}
