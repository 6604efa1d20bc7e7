using Hunyuan.Model.Generation;
using TorchSharp;

namespace Hunyuan.Model.Tests.Generation;

/// <summary>Logprobs from the sampler: log-softmax of the raw logits, the chosen id's and the top k, as asked per row.</summary>
public sealed class TokenLogprobsTests
{
    private const int Vocab = 300;

    [Fact]
    public void EachRowGetsWhatItAskedForFromTheRawLogits()
    {
        using var logits = Logits(4, seed: 1);
        var rows = new[]
        {
            new RowSampling(SamplingParameters.Greedy with { Logprobs = 5 }, [], 0, 0),
            new RowSampling(SamplingParameters.Greedy, [], 0, 0),
            new RowSampling(SamplingParameters.Greedy with { Logprobs = 0 }, [], 0, 0),
            new RowSampling(SamplingParameters.Greedy with { Logprobs = 20 }, [], 0, 0),
        };

        var sampled = TokenSampler.SampleRows(logits, rows);

        Assert.Null(sampled[1].Logprobs);
        foreach (var (row, asked) in new[] { (0, 5), (2, 0), (3, 20) })
        {
            var expected = LogSoftmax(logits, row);
            var lp = sampled[row].Logprobs!;
            Assert.Equal(expected[sampled[row].Token], lp.Logprob, 1e-5);
            Assert.Equal(asked, lp.TopIds.Length);
            Assert.Equal(Enumerable.Range(0, Vocab).OrderByDescending(i => expected[i]).Take(asked).Select(i => (long)i), lp.TopIds);
            Assert.All(lp.TopIds.Zip(lp.TopLogprobs), p => Assert.Equal(expected[p.First], p.Second, 1e-5));
            if (asked > 0)
            {
                // Greedy: the chosen token is the most likely one.
                Assert.Equal(sampled[row].Token, lp.TopIds[0]);
                Assert.Equal(lp.Logprob, lp.TopLogprobs[0]);
            }
        }
    }

    [Fact]
    public void TemperaturePenaltiesAndTheMaskDoNotChangeTheReportedValues()
    {
        using var logits = Logits(1, seed: 2);
        var expected = LogSoftmax(logits, 0);
        long[] allowed = [3, 33, 133];
        var p = new SamplingParameters(Temperature: 0.5, TopK: 1, RepetitionPenalty: 1.3, PresencePenalty: 0.5, Seed: 1, Logprobs: 3);

        var sampled = TokenSampler.SampleRows(logits, [new RowSampling(p, [33, 133], 1, 2, TokenMask.Of(allowed, Vocab))])[0];

        Assert.Contains(sampled.Token, allowed);
        Assert.Equal(expected[sampled.Token], sampled.Logprobs!.Logprob, 1e-5);
        // The top three of the model's own distribution, disallowed ids included.
        Assert.Equal(Enumerable.Range(0, Vocab).OrderByDescending(i => expected[i]).Take(3).Select(i => (long)i), sampled.Logprobs.TopIds);
        Assert.NotEqual(allowed.OrderBy(x => x), sampled.Logprobs.TopIds.Order());
    }

    [Fact]
    public void TopCandidatesStayBelowTheVocabularyLimitButValuesAreOverTheWholeRow()
    {
        using var logits = Logits(1, seed: 3);
        var expected = LogSoftmax(logits, 0);
        var best = Enumerable.Range(0, Vocab).MaxBy(i => expected[i]);
        var limit = best;   // the model's favourite lies past the limit: it is padding, not a token

        var sampled = TokenSampler.SampleRows(logits, [new RowSampling(SamplingParameters.Greedy with { VocabLimit = limit, Logprobs = 4 }, [], 0, 0)])[0];

        Assert.True(sampled.Token < limit);
        Assert.All(sampled.Logprobs!.TopIds, id => Assert.True(id < limit));
        Assert.Equal(Enumerable.Range(0, limit).OrderByDescending(i => expected[i]).Take(4).Select(i => (long)i), sampled.Logprobs.TopIds);
        Assert.Equal(expected[sampled.Token], sampled.Logprobs.Logprob, 1e-5);
    }

    private static double[] LogSoftmax(torch.Tensor logits, int row)
    {
        var values = logits.data<float>().Skip(row * Vocab).Take(Vocab).Select(v => (double)v).ToArray();
        var max = values.Max();
        var log = max + Math.Log(values.Sum(v => Math.Exp(v - max)));
        return values.Select(v => v - log).ToArray();
    }

    private static torch.Tensor Logits(int rows, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, rows * Vocab).Select(_ => (float)((random.NextDouble() * 10) - 5)).ToArray();
        return torch.tensor(values, [rows, Vocab]);
    }
}
