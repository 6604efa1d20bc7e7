using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>Continuous batching, chunked prefill, paged blocks and preemption give each request its solo tokens.</summary>
public sealed class SchedulerTests
{
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    private static (Scheduler Scheduler, LocalCausalLm Lm) Start(EngineOptions options)
    {
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        return (new Scheduler(new LocalStepExecutor(lm), options), lm);
    }

    internal static long[] Prompt(int length, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (long)r.Next(1, 500)).ToArray();
    }

    internal static async Task<(List<long> Tokens, FinishReason? Finish)> Collect(System.Threading.Channels.ChannelReader<GenerationEvent> reader)
    {
        var tokens = new List<long>();
        await foreach (var e in reader.ReadAllAsync())
        {
            if (e.Finish is { } f)
            {
                return (tokens, f);
            }

            tokens.Add(e.Token);
        }

        return (tokens, null);
    }

    internal static IReadOnlyList<long> Alone(long[] prompt, int tokens)
    {
        using var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        return GreedyDecoder.Run(model, prompt, tokens).Ids;
    }

    [Fact]
    public async Task EightConcurrentRequestsGetTheirSoloTokens()
    {
        var (scheduler, lm) = Start(new EngineOptions { Blocks = 128, BlockSize = 4, MaxBatchedTokens = 16, MaxNumSeqs = 8 });
        await using var _ = scheduler;
        using var __ = lm;
        var prompts = Enumerable.Range(0, 8).Select(i => Prompt(3 + (i * 5), i)).ToArray();   // 3..38 tokens: several prefill chunks
        var lengths = Enumerable.Range(0, 8).Select(i => 4 + i).ToArray();
        var runs = prompts.Select((p, i) => Collect(scheduler.Submit(new GenerationRequest(p, lengths[i], SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None))).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(2));

        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(FinishReason.Length, results[i].Finish);
            Assert.Equal(Alone(prompts[i], lengths[i]), results[i].Tokens);
        }

        Assert.Equal(0, scheduler.Metrics.KvBlocksUsed);
        Assert.Equal(prompts.Sum(p => p.Length), scheduler.Metrics.PromptTokens);
        Assert.Equal(lengths.Sum(), scheduler.Metrics.GenerationTokens);
    }

    [Fact]
    public async Task OutOfBlocksPreemptsAndRecomputesWithTheSameResult()
    {
        // 10 blocks of 4 tokens: three 12-token prompts growing to 24 cannot all stay resident.
        var (scheduler, lm) = Start(new EngineOptions { Blocks = 10, BlockSize = 4, MaxBatchedTokens = 64, MaxNumSeqs = 3 });
        await using var _ = scheduler;
        using var __ = lm;
        var prompts = Enumerable.Range(0, 3).Select(i => Prompt(12, 100 + i)).ToArray();
        var results = await Task.WhenAll(prompts.Select(p => Collect(scheduler.Submit(new GenerationRequest(p, 12, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None)))).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(scheduler.Metrics.Preemptions > 0, "expected the pool to run out");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Alone(prompts[i], 12), results[i].Tokens);
        }

        Assert.Equal(0, scheduler.Metrics.KvBlocksUsed);
    }

    [Fact]
    public async Task CancelledRequestsFreeTheirBlocks()
    {
        var (scheduler, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;
        using var cts = new CancellationTokenSource();
        var reader = scheduler.Submit(new GenerationRequest(Prompt(10, 7), 4000, SamplingParameters.Greedy, NoStops, NoStops), cts.Token);
        var seen = 0;
        await foreach (var e in reader.ReadAllAsync())
        {
            if (e.Finish is { } f)
            {
                Assert.Equal(FinishReason.Cancelled, f);
                break;
            }

            if (++seen == 3)
            {
                await cts.CancelAsync();
            }
        }

        Assert.True(seen < 4000);
        Assert.Equal(0, scheduler.Metrics.KvBlocksUsed);
    }

    [Fact]
    public async Task StopTokensEndTheRequest()
    {
        var (scheduler, lm) = Start(new EngineOptions { Blocks = 64, BlockSize = 4 });
        await using var _ = scheduler;
        using var __ = lm;
        var prompt = Prompt(6, 3);
        var solo = Alone(prompt, 6);
        var (tokens, finish) = await Collect(scheduler.Submit(new GenerationRequest(prompt, 50, SamplingParameters.Greedy, new HashSet<long> { solo[2] }, NoStops), CancellationToken.None));
        Assert.Equal(FinishReason.Stop, finish);
        Assert.Equal(solo.Take(solo.ToList().IndexOf(solo[2]) + 1), tokens);
    }

    [Fact]
    public async Task LimitsAreRefusedUpFront()
    {
        var (scheduler, lm) = Start(new EngineOptions { Blocks = 4, BlockSize = 4, MaxModelLen = 64, MaxWaiting = 0 });
        await using var _ = scheduler;
        using var __ = lm;
        Assert.Throws<PromptTooLongException>(() => scheduler.Submit(new GenerationRequest(Prompt(64, 1), 1, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None));
        Assert.Throws<PromptTooLongException>(() => scheduler.Submit(new GenerationRequest(Prompt(20, 1), 1, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None));
        Assert.Throws<QueueFullException>(() => scheduler.Submit(new GenerationRequest(Prompt(4, 1), 1, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None));
    }
}
