using Hunyuan.Model.Tokenization;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// A tokenizer's ids as byte strings, for grammars: <see cref="Size"/> ids (masks have a bit for each), the bytes of
/// each ordinary id, and the end ids a grammar allows once its value is complete. Special ids have no bytes and are
/// never allowed otherwise. Built once per tokenizer and shared by every grammar over it (with its trie).
/// </summary>
public sealed class TokenVocabulary
{
    private readonly byte[][] _bytes;

    public TokenVocabulary(int size, IReadOnlyList<byte[]> tokenBytes, IReadOnlyList<long> endIds)
    {
        ArgumentNullException.ThrowIfNull(tokenBytes);
        ArgumentNullException.ThrowIfNull(endIds);
        if (size < tokenBytes.Count || endIds.Any(e => e < 0 || e >= size))
        {
            throw new ArgumentException($"a vocabulary of {size} ids cannot hold {tokenBytes.Count} tokens and end ids {string.Join(", ", endIds)}");
        }

        Size = size;
        _bytes = [.. tokenBytes];
        EndIds = [.. endIds];
        Trie = new VocabularyTrie(_bytes);
    }

    public int Size { get; }

    /// <summary>Words in a mask over this vocabulary.</summary>
    public int MaskWords => (Size + 63) / 64;

    public IReadOnlyList<long> EndIds { get; }

    internal VocabularyTrie Trie { get; }

    /// <summary>A tokenizer's base ids with their bytes; its stop ids (&lt;|eos|&gt;, &lt;|extra_5|&gt;, &lt;|endoftext|&gt;) end a value.</summary>
    public static TokenVocabulary From(HunyuanTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var bytes = new byte[tokenizer.BaseVocabularySize][];
        for (var id = 0; id < bytes.Length; id++)
        {
            bytes[id] = tokenizer.TokenBytes(id).ToArray();
        }

        return new TokenVocabulary(tokenizer.VocabularySize, bytes, [.. tokenizer.StopIds.Select(i => (long)i)]);
    }

    public ReadOnlySpan<byte> Bytes(long id) => id >= 0 && id < _bytes.Length ? _bytes[id] : [];
}
