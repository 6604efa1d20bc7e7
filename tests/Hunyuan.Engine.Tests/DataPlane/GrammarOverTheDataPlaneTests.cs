using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Engine.Tests.Scheduling;
using Hunyuan.Engine.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>Grammar masks ride the step frame to the rank that samples, and that rank applies them.</summary>
public sealed class GrammarOverTheDataPlaneTests
{
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    [Theory]
    [InlineData(1, 2, "greedy")]
    [InlineData(1, 2, "top-k 1")]
    [InlineData(2, 1, "greedy")]
    public async Task ConstrainedRequestsOverLoopbackRanksGetTheMaskedTokens(int tp, int pp, string path)
    {
        var options = new EngineOptions { Blocks = 128, BlockSize = 4, MaxBatchedTokens = 16, MaxNumSeqs = 8 };
        await using var set = await LoopbackDeployment.LoadAsync(Model, tp, pp, LoadOptions.Of(torch.ScalarType.Float32), new PagedKvOptions(options.Blocks, options.BlockSize));
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        var scheduler = new Scheduler(driver, options);
        await using var _ = scheduler;
        var sampling = GrammarSchedulingTests.Sampling(path);

        var prompts = Enumerable.Range(0, 4).Select(i => SchedulerTests.Prompt(4 + (i * 7), 60 + i)).ToArray();
        var grammars = Enumerable.Range(0, 3).Select(i => StepSetGrammar.Random(3, 10, GrammarSchedulingTests.Vocab, seed: 30 + i)).ToArray();
        var results = await Task.WhenAll(prompts.Select((p, i) => SchedulerTests.Collect(scheduler.Submit(
            new GenerationRequest(p, 5, sampling, NoStops, NoStops, Grammar: i < grammars.Length ? grammars[i] : null), CancellationToken.None)))).WaitAsync(TimeSpan.FromMinutes(2));

        for (var i = 0; i < grammars.Length; i++)
        {
            Assert.Equal(FinishReason.Stop, results[i].Finish);
            Assert.Equal(await GrammarSchedulingTests.MaskedGreedy(prompts[i], grammars[i].Sets), results[i].Tokens);
            Assert.Equal(results[i].Tokens, Assert.Single(grammars[i].Started).Advanced);
        }

        Assert.Equal(FinishReason.Length, results[^1].Finish);
        Assert.Equal(SchedulerTests.Alone(prompts[^1], 5), results[^1].Tokens);
    }
}
