using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>n choices of one prompt: the prompt prefilled once and its blocks shared, each choice seeded from (seed, i).</summary>
public sealed class ChoicesTests
{
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    private static (Scheduler Scheduler, CountingExecutor Executor, LocalCausalLm Lm) Start(EngineOptions options)
    {
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        var executor = new CountingExecutor(new LocalStepExecutor(lm));
        return (new Scheduler(executor, options), executor, lm);
    }

    private static Task<PrefixCachingTests.Choice[]> RunChoices(Scheduler scheduler, long[] prompt, int tokens, SamplingParameters sampling, int n) =>
        PrefixCachingTests.CollectChoices(scheduler.Submit(new GenerationRequest(prompt, tokens, sampling, NoStops, NoStops, N: n), CancellationToken.None), n);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SeededChoicesArePrefilledOnceReproducibleAndTheFirstIsTheSingleRequest(bool prefixCaching)
    {
        var (scheduler, executor, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4, PrefixCaching = prefixCaching });
        await using var _ = scheduler;
        using var __ = lm;
        var prompt = SchedulerTests.Prompt(41, 5);
        var sampling = new SamplingParameters(Temperature: 1.0, Seed: 77);

        var choices = await RunChoices(scheduler, prompt, 6, sampling, 4).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(choices, c => Assert.Equal(FinishReason.Length, c.Finish));
        Assert.All(choices, c => Assert.Equal(6, c.Tokens.Count));

        // The first prefilled 41 positions; each of the three others referenced its 10 full blocks and computed 1.
        Assert.Equal(41 + 3, executor.PromptPositions);
        Assert.Equal(0, choices[0].CachedTokens);
        Assert.All(choices.Skip(1), c => Assert.Equal(40, c.CachedTokens));
        Assert.True(choices.Select(c => string.Join(',', c.Tokens)).Distinct().Count() > 1, "independent samples should not all agree");
        PrefixCachingTests.AssertAllBlocksBack(scheduler);

        var again = await RunChoices(scheduler, prompt, 6, sampling, 4).WaitAsync(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(choices[i].Tokens, again[i].Tokens);
        }

        var single = await PrefixCachingTests.Run(scheduler, prompt, 6, sampling);
        Assert.Equal(choices[0].Tokens, single.Tokens);
        PrefixCachingTests.AssertAllBlocksBack(scheduler);
        if (!prefixCaching)
        {
            Assert.Equal(0, scheduler.Metrics.KvBlocksCached);
        }
    }

    [Fact]
    public async Task GreedyChoicesAllGetTheSoloTokensAlongsideOtherRequests()
    {
        var (scheduler, _, lm) = Start(new EngineOptions { Blocks = 24, BlockSize = 4, MaxNumSeqs = 6, MaxBatchedTokens = 32 });
        await using var _ = scheduler;
        using var __ = lm;
        var prompt = SchedulerTests.Prompt(22, 9);
        var other = SchedulerTests.Prompt(30, 10);
        var group = RunChoices(scheduler, prompt, 8, SamplingParameters.Greedy, 5);
        var alone = PrefixCachingTests.Run(scheduler, other, 8);
        var choices = await group.WaitAsync(TimeSpan.FromMinutes(2));
        var solo = SchedulerTests.Alone(prompt, 8);
        Assert.All(choices, c => Assert.Equal(solo, c.Tokens));
        Assert.Equal(SchedulerTests.Alone(other, 8), (await alone).Tokens);
        PrefixCachingTests.AssertAllBlocksBack(scheduler);
    }

    [Fact]
    public async Task CancellingARequestEndsEveryChoice()
    {
        var (scheduler, _, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;
        using var cts = new CancellationTokenSource();
        var reader = scheduler.Submit(new GenerationRequest(SchedulerTests.Prompt(9, 4), 4000, new SamplingParameters(Temperature: 1, Seed: 3), NoStops, NoStops, N: 3), cts.Token);
        var finishes = new List<FinishReason>();
        var seen = 0;
        await foreach (var e in reader.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            if (e.Finish is { } f)
            {
                finishes.Add(f);
            }
            else if (++seen == 6)
            {
                await cts.CancelAsync();
            }
        }

        Assert.Equal([FinishReason.Cancelled, FinishReason.Cancelled, FinishReason.Cancelled], finishes);
        PrefixCachingTests.AssertAllBlocksBack(scheduler);
    }

    [Fact]
    public async Task OneChoiceStoppedByItsOwnTokenEndsAloneAndTheOthersRunToTheirEnd()
    {
        var (scheduler, executor, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;

        // One step per event read (and one to start): the tiny model would otherwise make all 12 tokens of every choice
        // before this loop reads choice 1's second, and the cancellation would come too late to end it.
        using var permits = new SemaphoreSlim(1);
        executor.StepPermits = permits;
        using var request = new CancellationTokenSource();
        var perChoice = Enumerable.Range(0, 3).Select(_ => CancellationTokenSource.CreateLinkedTokenSource(request.Token)).ToArray();
        var reader = scheduler.Submit(new GenerationRequest(SchedulerTests.Prompt(9, 4), 12, new SamplingParameters(Temperature: 1, Seed: 5), NoStops, NoStops, N: 3), request.Token, perChoice.Select(c => c.Token).ToArray());
        var counts = new int[3];
        var finishes = new FinishReason?[3];
        // A stalled scheduler fails the test (the read is cancelled) instead of hanging it.
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await foreach (var e in reader.ReadAllAsync(bounded.Token))
        {
            if (e.Finish is { } f)
            {
                finishes[e.Index] = f;
            }
            else if (++counts[e.Index] == 2 && e.Index == 1)
            {
                await perChoice[1].CancelAsync();
            }

            permits.Release();
        }

        Assert.Equal(FinishReason.Cancelled, finishes[1]);
        Assert.True(counts[1] < 12);
        Assert.Equal([FinishReason.Length, FinishReason.Length], new[] { finishes[0], finishes[2] });
        Assert.Equal([12, 12], new[] { counts[0], counts[2] });
        PrefixCachingTests.AssertAllBlocksBack(scheduler);
        foreach (var c in perChoice)
        {
            c.Dispose();
        }
    }

    [Fact]
    public async Task MoreThanSixteenChoicesAreRefused()
    {
        var (scheduler, _, lm) = Start(new EngineOptions { Blocks = 16, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Submit(new GenerationRequest([1, 2, 3], 4, SamplingParameters.Greedy, NoStops, NoStops, N: 17), CancellationToken.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Submit(new GenerationRequest([1, 2, 3], 4, SamplingParameters.Greedy, NoStops, NoStops, N: 0), CancellationToken.None));
    }

    [Fact]
    public void ChoiceSeedsDifferFromEachOtherAndTheFirstKeepsTheRequestSeed()
    {
        Assert.Equal(42, ChoiceGroup.SeedOf(42, 0));
        var seeds = Enumerable.Range(0, 16).Select(i => ChoiceGroup.SeedOf(42, i)).ToList();
        Assert.Equal(16, seeds.Distinct().Count());
        Assert.NotEqual(ChoiceGroup.SeedOf(42, 1), ChoiceGroup.SeedOf(43, 1));
    }
}
