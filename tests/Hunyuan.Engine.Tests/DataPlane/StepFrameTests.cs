using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>The step frame's masks and logprob requests, and the result frame's logprobs: round trips and bounds.</summary>
public sealed class StepFrameTests
{
    [Fact]
    public void TheStepFrameCarriesMasksAndRefusesOneLongerThanItself()
    {
        var mask = TokenMask.Of([0, 63, 64, 511], 512);
        var message = new StepMessage(9, 2, [
            new ExecutorSequence(1, 0, [1, 2, 3], [0, 1], SamplingParameters.Greedy, 3, mask),
            new ExecutorSequence(2, 4, [7], null, new SamplingParameters(Temperature: 1, Seed: 5), 4),
        ]);

        var bytes = message.Encode().ToArray();
        var decoded = StepMessage.Decode(bytes);

        Assert.Equal(mask, decoded.Batch[0].AllowedTokens);
        Assert.Null(decoded.Batch[1].AllowedTokens);
        Assert.Equal(message.Batch[1].Sampling, decoded.Batch[1].Sampling);

        // One masked sequence: its mask's length is the last field before the words. A length past the frame's end is
        // refused before anything is allocated, and so is a frame cut short inside the mask.
        var single = new StepMessage(10, 2, [message.Batch[0]]).Encode().ToArray();
        var lying = single.ToArray();
        BitConverter.GetBytes(1 << 28).CopyTo(lying, single.Length - (8 * mask.Length) - 4);
        Assert.Throws<InvalidDataException>(() => StepMessage.Decode(lying));
        Assert.Throws<InvalidDataException>(() => StepMessage.Decode(single.AsSpan(0, single.Length - 1)));
        Assert.Equal(mask, StepMessage.Decode(single).Batch[0].AllowedTokens);
    }

    [Fact]
    public void TheStepFrameCarriesTheTokensBeforeACachedStartAndRefusesAMismatchedCount()
    {
        var mask = TokenMask.Of([3], 64);
        var hit = new ExecutorSequence(1, 4, [9], [0, 1], SamplingParameters.Greedy, 5, mask, Preceding: [5, 6, 7, 8]);
        var decoded = StepMessage.Decode(new StepMessage(11, 2, [hit, hit with { SequenceId = 2, Preceding = null }]).Encode().Span);
        Assert.Equal([5L, 6, 7, 8], decoded.Batch[0].Preceding!);
        Assert.Equal(mask, decoded.Batch[0].AllowedTokens);
        Assert.Null(decoded.Batch[1].Preceding);

        var lying = new StepMessage(12, 2, [hit with { Preceding = [5, 6, 7] }]).Encode().ToArray();
        Assert.Throws<InvalidDataException>(() => StepMessage.Decode(lying));
    }

    [Fact]
    public void TheResultFrameCarriesLogprobsWhereAskedAndIdsOnlyOtherwise()
    {
        SampledToken[] tokens = [new(5, new TokenLogprobs(-0.25f, [5, 9], [-0.25f, -2.5f])), new(7), new(8, new TokenLogprobs(-1f, [], []))];
        var decoded = StepOutcome.Decode(new StepOutcome(3, tokens).Encode().Span);

        Assert.Equal(3, decoded.StepId);
        Assert.Equal([5L, 7L, 8L], decoded.Tokens!.Select(t => t.Token));
        Assert.Equal(-0.25f, decoded.Tokens![0].Logprobs!.Logprob);
        Assert.Equal([5L, 9L], decoded.Tokens[0].Logprobs!.TopIds);
        Assert.Equal([-0.25f, -2.5f], decoded.Tokens[0].Logprobs!.TopLogprobs);
        Assert.Null(decoded.Tokens[1].Logprobs);
        Assert.Empty(decoded.Tokens[2].Logprobs!.TopIds);

        // Ids only: the frame is the same as before logprobs existed (kind 1), and decodes without any.
        var plain = new StepOutcome(4, [new SampledToken(1), new SampledToken(2)]).Encode().ToArray();
        Assert.Equal(1, plain[8]);
        Assert.All(StepOutcome.Decode(plain).Tokens!, t => Assert.Null(t.Logprobs));
    }

    [Fact]
    public void AFailedResultSaysWhetherCollectivesWereUnderWayOrANewerLeaseRefusedTheStep()
    {
        foreach (var sent in new[] { new StepOutcome(6, null, "bad token"), new StepOutcome(6, null, "mid-forward", CollectivesAffected: true), new StepOutcome(6, null, "stale", Superseded: true) })
        {
            Assert.Equal(sent, StepOutcome.Decode(sent.Encode().Span));
        }
    }

    [Fact]
    public void AResultCarriesTheRanksComputeTimeAndANegativeOrNonFiniteOneIsRefused()
    {
        Assert.Equal(0.0125, StepOutcome.Decode(new StepOutcome(9, [new SampledToken(3)], ComputeSeconds: 0.0125).Encode().Span).ComputeSeconds);
        Assert.Equal(0.5, StepOutcome.Decode(new StepOutcome(9, null, "failed late", ComputeSeconds: 0.5).Encode().Span).ComputeSeconds);
        foreach (var bad in new[] { -1.0, double.NaN, double.PositiveInfinity })
        {
            var bytes = new StepOutcome(9, null, ComputeSeconds: bad).Encode().ToArray();
            Assert.Contains("compute", Assert.Throws<InvalidDataException>(() => StepOutcome.Decode(bytes)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AResultFrameWithMoreTopLogprobsThanAllowedOrCutShortIsRefused()
    {
        var many = Enumerable.Range(0, 21).Select(i => (long)i).ToArray();
        var bytes = new StepOutcome(1, [new SampledToken(0, new TokenLogprobs(-1f, many, many.Select(_ => -1f).ToArray()))]).Encode().ToArray();
        Assert.Throws<InvalidDataException>(() => StepOutcome.Decode(bytes));

        var fine = new StepOutcome(1, [new SampledToken(0, new TokenLogprobs(-1f, [0], [-1f]))]).Encode().ToArray();
        Assert.Throws<InvalidDataException>(() => StepOutcome.Decode(fine.AsSpan(0, fine.Length - 2)));
    }

    [Fact]
    public void AStepAskingForMoreThanTwentyTopLogprobsIsRefused()
    {
        var ok = new StepMessage(1, 1, [new ExecutorSequence(1, 0, [1], null, SamplingParameters.Greedy with { Logprobs = 20 }, 1)]);
        Assert.Equal(20, StepMessage.Decode(ok.Encode().Span).Batch[0].Sampling.Logprobs);
        var tooMany = new StepMessage(1, 1, [new ExecutorSequence(1, 0, [1], null, SamplingParameters.Greedy with { Logprobs = 21 }, 1)]);
        Assert.Contains("21 top logprobs", Assert.Throws<InvalidDataException>(() => StepMessage.Decode(tooMany.Encode().Span)).Message, StringComparison.Ordinal);
    }
}
