using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// The identity of a full KV block: a hash of the previous block's identity and this block's token ids, so equal
/// identities mean equal token prefixes. The chain starts from a seed naming the model, variant and layout, so blocks
/// computed by one deployment never match another's. 128 bits of SHA-256; a match is also checked token by token.
/// </summary>
public static class BlockHash
{
    public static UInt128 Seed(string identity)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("hyc-prefix-cache/1\n" + identity), digest);
        return Read(digest);
    }

    public static UInt128 Next(UInt128 parent, ReadOnlySpan<long> tokens)
    {
        var input = new byte[16 + (tokens.Length * sizeof(long))];
        BinaryPrimitives.WriteUInt128LittleEndian(input, parent);
        for (var i = 0; i < tokens.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(input.AsSpan(16 + (i * sizeof(long))), tokens[i]);
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        return Read(digest);
    }

    /// <summary>Extends <paramref name="chain"/> (block hashes of <paramref name="tokens"/>, in order) to its first <paramref name="blocks"/> full blocks.</summary>
    public static void Extend(List<UInt128> chain, UInt128 seed, List<long> tokens, int blockSize, int blocks)
    {
        var span = CollectionsMarshal.AsSpan(tokens);
        while (chain.Count < blocks && (chain.Count + 1) * blockSize <= tokens.Count)
        {
            var parent = chain.Count == 0 ? seed : chain[^1];
            chain.Add(Next(parent, span.Slice(chain.Count * blockSize, blockSize)));
        }
    }

    private static UInt128 Read(ReadOnlySpan<byte> digest) => BinaryPrimitives.ReadUInt128LittleEndian(digest[..16]);
}
