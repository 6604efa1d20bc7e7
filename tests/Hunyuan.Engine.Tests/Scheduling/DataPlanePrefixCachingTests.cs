using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>
/// Prefix caching and shared choices over the real data plane (two pipeline stages on loopback, two micro-batches in
/// flight): the ranks accept sequences that start in cached blocks, and every request gets its solo tokens.
/// </summary>
public sealed class DataPlanePrefixCachingTests
{
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    [Fact]
    public async Task CachedPrefixesAndSharedChoicesOverTwoStagesGiveTheSoloTokens()
    {
        var options = new EngineOptions { Blocks = 14, BlockSize = 4, MaxBatchedTokens = 48, MaxNumSeqs = 6 };
        await using var set = await LoopbackDeployment.LoadAsync(Model, 1, 2, Hunyuan.Model.Variants.LoadOptions.Of(torch.ScalarType.Float32), new PagedKvOptions(options.Blocks, options.BlockSize));
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        var executor = new CountingExecutor(driver);
        var scheduler = new Scheduler(executor, options);
        await using var _ = scheduler;

        var prompts = PrefixCachingTests.SharedPrefixPrompts(3);
        var results = new List<PrefixCachingTests.Choice>();
        foreach (var p in prompts.Take(3))
        {
            results.Add(await PrefixCachingTests.Run(scheduler, p, 8));
        }

        var group = PrefixCachingTests.CollectChoices(scheduler.Submit(new GenerationRequest(prompts[0], 8, SamplingParameters.Greedy, NoStops, NoStops, N: 3), CancellationToken.None), 3);
        results.AddRange(await Task.WhenAll(prompts.Skip(3).Select(p => PrefixCachingTests.Run(scheduler, p, 8))).WaitAsync(TimeSpan.FromMinutes(3)));
        var choices = await group.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(scheduler.Metrics.PrefixCacheHits > 0, "expected prefix hits");
        Assert.True(scheduler.Metrics.Preemptions > 0, "expected the pool to run out");
        Assert.Contains(executor.Seen, s => s.Preceding is not null);
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(SchedulerTests.Alone(prompts[i], 8), results[i].Tokens);
        }

        Assert.All(choices, c => Assert.Equal(results[0].Tokens, c.Tokens));
        PrefixCachingTests.AssertAllBlocksBack(scheduler);
    }
}
