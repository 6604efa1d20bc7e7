using Hunyuan.Model.Generation;

namespace Hunyuan.Model.Tests.Generation;

public sealed class TokenSamplerTests
{
    private static readonly float[] Logits = [1f, 3f, 2.5f, 0f, -1f];

    [Fact]
    public void TemperatureZeroIsArgmax() =>
        Assert.Equal(1, TokenSampler.Sample((float[])Logits.Clone(), SamplingParameters.Greedy, [], 0, 0));

    [Fact]
    public void TopKOneIsArgmaxWhateverTheTemperature() =>
        Assert.All(Enumerable.Range(0, 20), pos => Assert.Equal(1, TokenSampler.Sample((float[])Logits.Clone(), new SamplingParameters(Temperature: 5, TopK: 1, Seed: 9), [], 0, pos)));

    [Fact]
    public void TheSameSeedAndPositionGiveTheSameDraw()
    {
        var p = new SamplingParameters(Temperature: 1.5, Seed: 42);
        var a = Enumerable.Range(0, 50).Select(pos => TokenSampler.Sample((float[])Logits.Clone(), p, [], 0, pos)).ToArray();
        var b = Enumerable.Range(0, 50).Select(pos => TokenSampler.Sample((float[])Logits.Clone(), p, [], 0, pos)).ToArray();
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 1, "a hot temperature should not always pick the argmax");
        var other = Enumerable.Range(0, 50).Select(pos => TokenSampler.Sample((float[])Logits.Clone(), p with { Seed = 43 }, [], 0, pos)).ToArray();
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void TopPKeepsOnlyTheNucleus()
    {
        // softmax of [1, 3, 2.5, 0, -1]: token 1 alone is about 0.52, tokens 1 and 2 about 0.84.
        var p = new SamplingParameters(Temperature: 1, TopP: 0.6, Seed: 1);
        var picks = Enumerable.Range(0, 200).Select(pos => TokenSampler.Sample((float[])Logits.Clone(), p, [], 0, pos)).Distinct().Order().ToArray();
        Assert.Equal([1L, 2L], picks);
    }

    [Fact]
    public void MinPDropsTheUnlikely()
    {
        var p = new SamplingParameters(Temperature: 1, MinP: 0.5, Seed: 1);
        var picks = Enumerable.Range(0, 200).Select(pos => TokenSampler.Sample((float[])Logits.Clone(), p, [], 0, pos)).Distinct().Order().ToArray();
        Assert.Equal([1L, 2L], picks);    // 2.5 is e^-0.5 = 0.61 of the top; 1 is e^-2 = 0.14
    }

    [Fact]
    public void RepetitionPenaltyCanChangeTheArgmax()
    {
        Assert.Equal(2, TokenSampler.Sample((float[])Logits.Clone(), new SamplingParameters(RepetitionPenalty: 1.5), [1], 1, 1));
    }

    [Fact]
    public void PresenceAndFrequencyCountOnlyOutputTokens()
    {
        // Token 1 in the prompt only: no penalty. In the output twice: 3 - 2*0.4 - 0.1 = 2.1 < 2.5.
        Assert.Equal(1, TokenSampler.Sample((float[])Logits.Clone(), new SamplingParameters(PresencePenalty: 0.1, FrequencyPenalty: 0.4), [1, 1], 2, 2));
        Assert.Equal(2, TokenSampler.Sample((float[])Logits.Clone(), new SamplingParameters(PresencePenalty: 0.1, FrequencyPenalty: 0.4), [0, 1, 1], 1, 3));
    }
}
