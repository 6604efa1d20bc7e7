using Hunyuan.Engine.Scheduling;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>The free list with the prefix cache: matching by hash chain, references, least-recently-used eviction.</summary>
public sealed class BlockAllocatorTests
{
    private const int BlockSize = 4;
    private static readonly UInt128 Seed = BlockHash.Seed("test-model|bf16|tp1|pp1");

    /// <summary>A sequence's blocks for <paramref name="tokens"/>, each full one offered to the cache as a step would.</summary>
    private static List<int> Compute(BlockAllocator blocks, List<long> tokens)
    {
        var held = new List<int>();
        Assert.True(blocks.TryAllocate((tokens.Count + BlockSize - 1) / BlockSize, held));
        var chain = new List<UInt128>();
        BlockHash.Extend(chain, Seed, tokens, BlockSize, tokens.Count / BlockSize);
        for (var j = 0; j < chain.Count; j++)
        {
            blocks.Cache.TryAdd(held[j], j == 0 ? Seed : chain[j - 1], chain[j], tokens.GetRange(j * BlockSize, BlockSize).ToArray());
        }

        return held;
    }

    private static (int Matched, List<int> Held) Match(BlockAllocator blocks, List<long> tokens)
    {
        var chain = new List<UInt128>();
        var most = (tokens.Count - 1) / BlockSize;
        BlockHash.Extend(chain, Seed, tokens, BlockSize, most);
        var held = new List<int>();
        return (blocks.Cache.Match(Seed, chain, tokens, BlockSize, most, held), held);
    }

    private static List<long> Tokens(params long[] ids) => [.. ids];

    [Fact]
    public void AReleasedSequenceLeavesItsFullBlocksIdleAndALaterOneMatchesTheLongestPrefix()
    {
        var blocks = new BlockAllocator(8, keepCached: true);
        var first = Tokens(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);   // two full blocks and a partial one
        var held = Compute(blocks, first);
        Assert.Equal(3, blocks.Used);
        blocks.Release(held);
        Assert.Equal(0, blocks.Used);
        Assert.Equal(2, blocks.Cache.Idle);
        Assert.Equal(blocks.Total, blocks.Free + blocks.Cache.Idle);

        // Same first block, different second: one block matches.
        var (matched, reused) = Match(blocks, Tokens(1, 2, 3, 4, 5, 6, 7, 99, 9));
        Assert.Equal(1, matched);
        Assert.Equal(1, blocks.Cache.References(reused[0]));
        Assert.Equal(1, blocks.Used);
        blocks.Release(reused);

        // A prompt exactly the two cached blocks long matches only the first: its last token must be computed.
        Assert.Equal(1, Match(blocks, Tokens(1, 2, 3, 4, 5, 6, 7, 8)).Matched);

        // A different first block matches nothing, whatever follows.
        Assert.Equal(0, Match(blocks, Tokens(0, 2, 3, 4, 5, 6, 7, 8, 9)).Matched);
    }

    [Fact]
    public void TwoSequencesShareABlockAndItIsIdleOnlyWhenBothLetGo()
    {
        var blocks = new BlockAllocator(4, keepCached: true);
        var tokens = Tokens(1, 2, 3, 4, 5);
        var owner = Compute(blocks, tokens);
        var (matched, sharer) = Match(blocks, tokens);
        Assert.Equal(1, matched);
        Assert.Equal(owner[0], sharer[0]);
        Assert.Equal(2, blocks.Cache.References(owner[0]));

        blocks.Release(owner);
        Assert.Equal(1, blocks.Cache.References(sharer[0]));
        Assert.Equal(0, blocks.Cache.Idle);
        blocks.Release(sharer);
        Assert.Equal(1, blocks.Cache.Idle);
        Assert.Equal(4, blocks.Free + blocks.Cache.Idle);
    }

    [Fact]
    public void AReferenceIsNeverReleasedTwice()
    {
        var blocks = new BlockAllocator(4, keepCached: true);
        var held = Compute(blocks, Tokens(1, 2, 3, 4));
        var block = held[0];
        blocks.Release(held);
        Assert.Throws<InvalidOperationException>(() => blocks.Cache.Unreference(block));
        Assert.Equal(0, blocks.Cache.References(block));
    }

    [Fact]
    public void UnderPressureTheLeastRecentlyUsedIdleBlocksAreEvictedFirst()
    {
        var blocks = new BlockAllocator(4, keepCached: true);
        var a = Tokens(1, 1, 1, 1, 0);
        var b = Tokens(2, 2, 2, 2, 0);
        blocks.Release(Compute(blocks, Tokens(1, 1, 1, 1)));   // a's block, idle first
        blocks.Release(Compute(blocks, Tokens(2, 2, 2, 2)));   // b's block, idle second
        Assert.Equal(2, blocks.Cache.Idle);

        // Touch a: it becomes the most recently used.
        var (hitA, heldA) = Match(blocks, a);
        Assert.Equal(1, hitA);
        blocks.Release(heldA);

        // Three blocks wanted, two free: b's (the older idle one) is taken.
        var taken = new List<int>();
        Assert.True(blocks.TryAllocate(3, taken));
        Assert.Equal(0, Match(blocks, b).Matched);
        Assert.Equal(1, Match(blocks, a).Matched);

        // Nothing more to give: everything is referenced.
        Assert.False(blocks.TryAllocate(1, []));
    }

    [Fact]
    public void WithCachingOffABlockLeavesTheCacheWithItsLastReference()
    {
        var blocks = new BlockAllocator(4, keepCached: false);
        var tokens = Tokens(1, 2, 3, 4, 5);
        var owner = Compute(blocks, tokens);
        var (matched, sharer) = Match(blocks, tokens);
        Assert.Equal(1, matched);
        blocks.Release(owner);
        blocks.Release(sharer);
        Assert.Equal(0, blocks.Cache.Idle);
        Assert.Equal(4, blocks.Free);
        Assert.Equal(0, Match(blocks, tokens).Matched);
    }

    [Fact]
    public void ForgettingTheCacheFreesIdleBlocksAndDetachesHeldOnes()
    {
        var blocks = new BlockAllocator(4, keepCached: true);
        blocks.Release(Compute(blocks, Tokens(1, 1, 1, 1)));
        var held = Compute(blocks, Tokens(2, 2, 2, 2));
        blocks.ForgetCached();
        Assert.Equal(0, blocks.Cache.Idle);
        Assert.Equal(3, blocks.Free);
        Assert.Equal(0, Match(blocks, Tokens(1, 1, 1, 1, 0)).Matched);
        Assert.Equal(0, Match(blocks, Tokens(2, 2, 2, 2, 0)).Matched);
        blocks.Release(held);
        Assert.Equal(4, blocks.Free);
    }

    [Fact]
    public void ABlockWithTheSameHashButOtherTokensIsNotMatched()
    {
        // Two blocks with equal hashes cannot be made on purpose; an entry registered under a chain hash with other
        // tokens stands in for a collision, and the token check refuses it.
        var blocks = new BlockAllocator(4, keepCached: true);
        var tokens = Tokens(1, 2, 3, 4, 5);
        var chain = new List<UInt128>();
        BlockHash.Extend(chain, Seed, tokens, BlockSize, 1);
        var held = new List<int>();
        Assert.True(blocks.TryAllocate(1, held));
        Assert.True(blocks.Cache.TryAdd(held[0], Seed, chain[0], [9, 9, 9, 9]));
        Assert.Equal(0, Match(blocks, tokens).Matched);
    }

    [Fact]
    public void TheChainDependsOnTheSeedAndOnEveryEarlierToken()
    {
        List<long> tokens = [1, 2, 3, 4, 5, 6, 7, 8];
        var a = new List<UInt128>();
        var b = new List<UInt128>();
        var c = new List<UInt128>();
        BlockHash.Extend(a, Seed, tokens, BlockSize, 2);
        BlockHash.Extend(b, BlockHash.Seed("other-model|bf16|tp1|pp1"), tokens, BlockSize, 2);
        BlockHash.Extend(c, Seed, [0, 2, 3, 4, 5, 6, 7, 8], BlockSize, 2);
        Assert.Equal(2, a.Count);
        Assert.NotEqual(a[0], b[0]);
        Assert.NotEqual(a[1], c[1]);   // same second block, different first
    }
}
