using System.Threading.Channels;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>
/// Automatic prefix caching on the tiny model: a request starts from its longest cached prefix and prefills only the
/// rest, with the tokens it would have had without the cache, and every block goes back to the pool.
/// </summary>
public sealed class PrefixCachingTests
{
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    internal sealed record Choice(List<long> Tokens, FinishReason? Finish, int CachedTokens);

    private static (Scheduler Scheduler, CountingExecutor Executor, LocalCausalLm Lm) Start(EngineOptions options)
    {
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        var executor = new CountingExecutor(new LocalStepExecutor(lm));
        return (new Scheduler(executor, options), executor, lm);
    }

    /// <summary>Every choice's tokens, finish and cached count, by index, once the reader completes.</summary>
    internal static async Task<Choice[]> CollectChoices(ChannelReader<GenerationEvent> reader, int n)
    {
        var tokens = Enumerable.Range(0, n).Select(_ => new List<long>()).ToArray();
        var finishes = new FinishReason?[n];
        var cached = new int[n];
        await foreach (var e in reader.ReadAllAsync())
        {
            if (e.Finish is { } f)
            {
                Assert.Null(finishes[e.Index]);
                finishes[e.Index] = f;
                cached[e.Index] = e.CachedTokens;
            }
            else
            {
                Assert.Null(finishes[e.Index]);
                tokens[e.Index].Add(e.Token);
            }
        }

        return Enumerable.Range(0, n).Select(i => new Choice(tokens[i], finishes[i], cached[i])).ToArray();
    }

    internal static async Task<Choice> Run(Scheduler scheduler, long[] prompt, int tokens, SamplingParameters? sampling = null) =>
        (await CollectChoices(scheduler.Submit(new GenerationRequest(prompt, tokens, sampling ?? SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None), 1))[0];

    /// <summary>Three system prefixes (10, 17 and 24 tokens), each followed by user suffixes of 3 to 9 tokens.</summary>
    internal static long[][] SharedPrefixPrompts(int perPrefix)
    {
        var prefixes = new[] { SchedulerTests.Prompt(10, 1), SchedulerTests.Prompt(17, 2), SchedulerTests.Prompt(24, 3) };
        return prefixes.SelectMany((p, i) => Enumerable.Range(0, perPrefix).Select(j => p.Concat(SchedulerTests.Prompt(3 + (2 * j), 50 + (10 * i) + j)).ToArray())).ToArray();
    }

    internal static void AssertAllBlocksBack(Scheduler scheduler)
    {
        var m = scheduler.Metrics;
        Assert.Equal(0, m.KvBlocksUsed);
        Assert.Equal(m.KvBlocksTotal, m.KvBlocksFree + m.KvBlocksCached);
    }

    /// <summary>One after another (each later one finds its prefix), then all at once in a pool too small for them.</summary>
    private static async Task<List<Choice>> Workload(Scheduler scheduler, long[][] prompts)
    {
        var results = new List<Choice>();
        foreach (var p in prompts.Take(4))
        {
            results.Add(await Run(scheduler, p, 6));
        }

        results.AddRange(await Task.WhenAll(prompts.Skip(4).Select(p => Run(scheduler, p, 6))));
        return results;
    }

    [Fact]
    public async Task PromptsSharingPrefixesGetTheSameTokensWithAndWithoutTheCacheWithPreemptionInPlay()
    {
        var prompts = SharedPrefixPrompts(4);
        var options = new EngineOptions { Blocks = 20, BlockSize = 4, MaxBatchedTokens = 48, MaxNumSeqs = 6 };

        var (cached, cachedExecutor, cachedLm) = Start(options);
        List<Choice> withCache;
        await using (cached)
        using (cachedLm)
        {
            withCache = await Workload(cached, prompts).WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(cached.Metrics.Preemptions > 0, "expected the pool to run out");
            Assert.True(cached.Metrics.PrefixCacheHits > 0, "expected prefix hits");
            Assert.Equal(withCache.Sum(c => c.CachedTokens), cached.Metrics.PrefixCacheHits);
            Assert.Equal(prompts.Sum(p => p.Length), cached.Metrics.PrefixCacheQueries);
            Assert.True(withCache[1].CachedTokens >= 8, $"the second prompt shares 10 tokens with the first; {withCache[1].CachedTokens} were cached");
            AssertAllBlocksBack(cached);
            Assert.True(cached.Metrics.KvBlocksCached > 0);
        }

        var (plain, plainExecutor, plainLm) = Start(options with { PrefixCaching = false });
        List<Choice> withoutCache;
        await using (plain)
        using (plainLm)
        {
            withoutCache = await Workload(plain, prompts).WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(0, plain.Metrics.PrefixCacheHits);
            Assert.All(withoutCache, c => Assert.Equal(0, c.CachedTokens));
            AssertAllBlocksBack(plain);
            Assert.Equal(0, plain.Metrics.KvBlocksCached);
        }

        Assert.True(cachedExecutor.PromptPositions < plainExecutor.PromptPositions, $"the cache computed {cachedExecutor.PromptPositions} prompt positions, without it {plainExecutor.PromptPositions}");
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(FinishReason.Length, withCache[i].Finish);
            Assert.Equal(withoutCache[i].Tokens, withCache[i].Tokens);
            Assert.Equal(SchedulerTests.Alone(prompts[i], 6), withCache[i].Tokens);
        }
    }

    [Fact]
    public async Task ARepeatedPromptPrefillsOnlyItsUncachedTailAndAtLeastOneToken()
    {
        var (scheduler, executor, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;
        var odd = SchedulerTests.Prompt(41, 7);
        var first = await Run(scheduler, odd, 4);
        Assert.Equal(0, first.CachedTokens);
        Assert.Equal(41, executor.PromptPositions);

        executor.Reset();
        var again = await Run(scheduler, odd, 4);
        Assert.Equal(40, again.CachedTokens);
        Assert.Equal(1, executor.PromptPositions);
        Assert.Equal(first.Tokens, again.Tokens);

        // The step that starts past the cached blocks carries the tokens before it, for the sampler's history.
        var start = executor.Seen[0];
        Assert.Equal(40, start.StartPosition);
        Assert.Equal(odd.Take(40), start.Preceding!);
        Assert.All(executor.Seen.Skip(1), s => Assert.Null(s.Preceding));

        // Block-aligned and wholly cached: the last block is computed again, so there are logits to sample from.
        var aligned = odd.Take(40).ToArray();
        executor.Reset();
        var whole = await Run(scheduler, aligned, 4);
        Assert.Equal(36, whole.CachedTokens);
        Assert.Equal(4, executor.PromptPositions);
        Assert.Equal(SchedulerTests.Alone(aligned, 4), whole.Tokens);

        // A follow-up turn: the previous prompt and its answer, then more; the answer's computed blocks are cached too.
        var turn = odd.Concat(first.Tokens).Concat(SchedulerTests.Prompt(5, 8)).ToArray();
        executor.Reset();
        var next = await Run(scheduler, turn, 4);
        Assert.Equal(44, next.CachedTokens);   // 41 prompt + 3 answer tokens fed back = 44 computed positions, 11 blocks
        Assert.Equal(turn.Length - 44, executor.PromptPositions);
        Assert.Equal(SchedulerTests.Alone(turn, 4), next.Tokens);
        AssertAllBlocksBack(scheduler);
    }

    [Fact]
    public async Task UnderPressureCachedBlocksAreEvictedTailFirstAndOutputsStayRight()
    {
        var (scheduler, _, lm) = Start(new EngineOptions { Blocks = 12, BlockSize = 4 });
        await using var __ = scheduler;
        using var ___ = lm;
        var a = SchedulerTests.Prompt(20, 11);
        var b = SchedulerTests.Prompt(40, 12);

        var firstA = await Run(scheduler, a, 4);   // 23 positions computed: 5 full blocks cached
        Assert.Equal(5, scheduler.Metrics.KvBlocksCached);
        var onlyB = await Run(scheduler, b, 4);    // 43 positions: 11 blocks, 4 of them taken from a's cached 5
        Assert.Equal(SchedulerTests.Alone(b, 4), onlyB.Tokens);
        Assert.Equal(0, onlyB.CachedTokens);

        // a's tail went first: its first block is still there.
        var againA = await Run(scheduler, a, 4);
        Assert.Equal(4, againA.CachedTokens);
        Assert.Equal(firstA.Tokens, againA.Tokens);
        AssertAllBlocksBack(scheduler);
    }

    [Fact]
    public async Task SeededSamplingWithPenaltiesIsTheSameFromACachedPrefix()
    {
        var sampling = new SamplingParameters(Temperature: 0.9, TopK: 50, RepetitionPenalty: 1.5, PresencePenalty: 0.8, FrequencyPenalty: 0.4, Seed: 1234);
        var prompt = SchedulerTests.Prompt(30, 21).Concat(Enumerable.Repeat(7L, 6)).ToArray();
        var (scheduler, _, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;
        var (plain, _, plainLm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4, PrefixCaching = false });
        await using var ___ = plain;
        using var ____ = plainLm;

        var reference = await Run(plain, prompt, 12, sampling);
        await Run(scheduler, prompt, 12, sampling);
        var fromCache = await Run(scheduler, prompt, 12, sampling);
        Assert.Equal(32, fromCache.CachedTokens);
        Assert.Equal(reference.Tokens, fromCache.Tokens);
    }

    [Fact]
    public async Task WhenTheRanksAreReplacedTheCacheIsForgotten()
    {
        var (scheduler, executor, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;
        var prompt = SchedulerTests.Prompt(25, 31);
        await Run(scheduler, prompt, 3);
        Assert.True(scheduler.Metrics.KvBlocksCached > 0);

        executor.KvGeneration++;
        executor.Reset();
        var after = await Run(scheduler, prompt, 3);
        Assert.Equal(0, after.CachedTokens);
        Assert.Equal(25, executor.PromptPositions);
        Assert.Equal(SchedulerTests.Alone(prompt, 3), after.Tokens);
        AssertAllBlocksBack(scheduler);
    }
}
