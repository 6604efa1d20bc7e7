using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// Concurrent streams through the scheduler at temperature 1, with or without a grammar. A stream whose value
/// completes before its token budget submits the next request at once (a client asking again), so the same number of
/// streams stays in the batch either way; returns the tokens generated.
/// </summary>
internal static class GrammarStreamLoad
{
    public static async Task<int> RunAsync(Scheduler scheduler, ITokenGrammar? grammar, int streams, int tokens, int promptLength, int vocab, IReadOnlySet<long> ends, int seed)
    {
        var random = new Random(seed);
        var none = new HashSet<long>();
        var prompts = Enumerable.Range(0, streams).Select(_ => Enumerable.Range(0, promptLength).Select(_ => (long)random.Next(vocab)).ToArray()).ToArray();
        var counts = await Task.WhenAll(prompts.Select(async (prompt, i) =>
        {
            var count = 0;
            for (var request = 0; count < tokens; request++)
            {
                var sampling = new SamplingParameters(Temperature: 1, Seed: (seed * 1000) + (i * 100) + request, VocabLimit: vocab);
                var reader = scheduler.Submit(new GenerationRequest(prompt, tokens - count, sampling, none, grammar is null ? none : ends, IgnoreEos: grammar is null, Grammar: grammar), CancellationToken.None);
                count += await StreamLoad.CountTokensAsync(reader);
            }

            return count;
        }));
        return counts.Sum();
    }
}
