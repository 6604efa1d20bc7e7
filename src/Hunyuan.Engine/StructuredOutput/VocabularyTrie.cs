namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// The vocabulary's byte strings as a trie: a mask is one walk that feeds each edge's byte once and prunes a subtree
/// as soon as the automaton refuses its prefix, instead of feeding every token from the start.
/// </summary>
internal sealed class VocabularyTrie
{
    public VocabularyTrie(IReadOnlyList<byte[]> tokens)
    {
        var root = new Builder();
        for (var id = 0; id < tokens.Count; id++)
        {
            if (tokens[id].Length == 0)
            {
                continue;
            }

            var node = root;
            foreach (var b in tokens[id])
            {
                if (!node.Children.TryGetValue(b, out var child))
                {
                    child = new Builder();
                    node.Children[b] = child;
                }

                node = child;
            }

            node.Ids.Add(id);
        }

        Root = root.Build();
    }

    public Node Root { get; }

    /// <summary>A prefix: the ids whose bytes are exactly it, and the longer prefixes by their next byte (ascending).</summary>
    internal sealed class Node(byte[] edges, Node[] children, int[] ids)
    {
        public byte[] Edges { get; } = edges;

        public Node[] Children { get; } = children;

        public int[] Ids { get; } = ids;
    }

    private sealed class Builder
    {
        public SortedDictionary<byte, Builder> Children { get; } = [];

        public List<int> Ids { get; } = [];

        public Node Build() => new([.. Children.Keys], [.. Children.Values.Select(c => c.Build())], [.. Ids]);
    }
}
