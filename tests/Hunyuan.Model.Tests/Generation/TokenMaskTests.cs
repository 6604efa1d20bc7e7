using Hunyuan.Model.Generation;
using TorchSharp;

namespace Hunyuan.Model.Tests.Generation;

/// <summary>Grammar masks: the bitset layout, its unpacking on the device, and both sampling paths honouring it.</summary>
public sealed class TokenMaskTests
{
    private const int Vocab = 200;

    [Fact]
    public void TheDeviceMaskHasExactlyTheBitsetsIdsAcrossWordBoundaries()
    {
        var random = new Random(5);
        var sets = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 40).Select(_ => (long)random.Next(Vocab)).Append(63).Append(64).Append(Vocab - 1).ToHashSet()).ToArray();
        var masks = new ulong[]?[] { TokenMask.Of(sets[0], Vocab), null, TokenMask.Of(sets[1], Vocab), TokenMask.Of(sets[2], Vocab) };

        using var disallowed = TokenMask.Disallowed(masks, Vocab, torch.CPU)!;
        using var host = disallowed.logical_not().to(torch.ScalarType.Int32);
        var bits = host.data<int>().ToArray();

        Assert.Equal(new long[] { 4, Vocab }, disallowed.shape);
        for (var id = 0; id < Vocab; id++)
        {
            Assert.Equal(sets[0].Contains(id), bits[id] == 1);
            Assert.Equal(1, bits[Vocab + id]);   // no mask: everything allowed
            Assert.Equal(sets[1].Contains(id), bits[(2 * Vocab) + id] == 1);
            Assert.Equal(sets[2].Contains(id), bits[(3 * Vocab) + id] == 1);
            Assert.Equal(sets[0].Contains(id), TokenMask.Allows(masks[0]!, id));
        }
    }

    [Fact]
    public void IdsPastAShortBitsetAreDisallowedAndNoMaskAtAllIsNull()
    {
        using var disallowed = TokenMask.Disallowed([TokenMask.Of([3, 70], 128)], Vocab, torch.CPU)!;
        using var ints = disallowed.logical_not().to(torch.ScalarType.Int32);
        var bits = ints.data<int>().ToArray();
        Assert.Equal([3, 70], Enumerable.Range(0, Vocab).Where(i => bits[i] == 1));
        Assert.Null(TokenMask.Disallowed([null, null], Vocab, torch.CPU));
    }

    [Fact]
    public void AllowsAnyLooksOnlyBelowTheWidth()
    {
        var mask = TokenMask.Of([130], 192);
        Assert.True(TokenMask.AllowsAny(mask, 192));
        Assert.True(TokenMask.AllowsAny(mask, 131));
        Assert.False(TokenMask.AllowsAny(mask, 130));
        Assert.False(TokenMask.AllowsAny(mask, 64));
        Assert.False(TokenMask.AllowsAny(new ulong[3], long.MaxValue));
    }

    [Fact]
    public void GreedyFastPathPicksTheBestAllowedIdPerRow()
    {
        using var logits = Logits(3, seed: 1);
        var rows = logits.data<float>().ToArray();
        var allowed = new long[][] { [5, 64, 150, 199], [0, 1, 2] };
        var masks = new ulong[]?[] { TokenMask.Of(allowed[0], Vocab), null, TokenMask.Of(allowed[1], Vocab) };

        var picked = TokenSampler.SampleRows(logits, masks.Select(m => new RowSampling(SamplingParameters.Greedy, [], 0, 0, m)).ToArray()).Select(t => t.Token).ToArray();

        Assert.Equal(allowed[0].MaxBy(id => rows[id]), picked[0]);
        Assert.Equal(Enumerable.Range(0, Vocab).MaxBy(id => rows[Vocab + id]), picked[1]);
        Assert.Equal(allowed[1].MaxBy(id => rows[(2 * Vocab) + id]), picked[2]);
        Assert.DoesNotContain(Enumerable.Range(0, Vocab).MaxBy(id => rows[id]), allowed[0]);   // the mask changed the choice
    }

    [Fact]
    public void TheGeneralPathDrawsOnlyAllowedIds()
    {
        using var logits = Logits(2, seed: 2);
        var allowed = new long[] { 7, 77, 177 };
        var mask = TokenMask.Of(allowed, Vocab);
        var drawn = new HashSet<long>();
        for (var position = 0; position < 60; position++)
        {
            var hot = new SamplingParameters(Temperature: 2, TopP: 0.99, Seed: 11);
            var picked = TokenSampler.SampleRows(logits, [new RowSampling(hot, [], 0, position, mask), new RowSampling(hot, [], 0, position)]).Select(t => t.Token).ToArray();
            drawn.Add(picked[0]);
        }

        Assert.Subset(allowed.ToHashSet(), drawn);
        Assert.True(drawn.Count > 1, "a hot temperature over three allowed ids should draw more than one");
    }

    [Fact]
    public void TopKOneOnTheGeneralPathIsTheMaskedArgmax()
    {
        using var logits = Logits(1, seed: 3);
        var rows = logits.data<float>().ToArray();
        long[] allowed = [10, 20, 30, 40];
        var picked = TokenSampler.SampleRows(logits, [new RowSampling(new SamplingParameters(Temperature: 0.7, TopK: 1, RepetitionPenalty: 1.2, Seed: 4), [], 0, 0, TokenMask.Of(allowed, Vocab))]);
        Assert.Equal(allowed.MaxBy(id => rows[id]), picked[0].Token);
    }

    private static torch.Tensor Logits(int rows, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, rows * Vocab).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
        return torch.tensor(values, [rows, Vocab]);
    }
}
