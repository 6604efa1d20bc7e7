using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Config;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>
/// Logprobs through the scheduler and every executor: a greedy request's chosen token leads its top logprobs, and the
/// values are the log-softmax of the model's logits at that position (the fixture's, which `hyc model run --logits-out`
/// reproduces, for the first token; a full forward over the output for the rest).
/// </summary>
public sealed class LogprobsTests
{
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    [Theory]
    [InlineData("local")]
    [InlineData("local ranks tp2 pp2")]
    [InlineData("data plane pp2")]
    [InlineData("data plane tp2")]
    public async Task GreedyLogprobsAreTheModelsLogSoftmaxWithTheChosenTokenFirst(string executor)
    {
        using var golden = new Golden(Model);
        var options = new EngineOptions { Blocks = 64, BlockSize = 4, MaxBatchedTokens = 8 };
        await using var run = await ExecutorUnderTest.StartAsync(executor, options);
        var scheduler = new Scheduler(run.Executor, options);
        await using var _ = scheduler;

        var withLogprobs = Collect(scheduler.Submit(new GenerationRequest(golden.InputIds, golden.GreedyIds.Length, SamplingParameters.Greedy with { Logprobs = 5 }, NoStops, NoStops), CancellationToken.None));
        var without = Collect(scheduler.Submit(new GenerationRequest(golden.InputIds, 3, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None));
        var events = await withLogprobs.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(golden.GreedyIds, events.Select(e => e.Token));
        Assert.All(await without.WaitAsync(TimeSpan.FromMinutes(1)), e => Assert.Null(e.Logprobs));

        using var reference = await FullLogits([.. golden.InputIds, .. golden.GreedyIds[..^1]]);
        using (var first = golden.Logits[-1])
        using (var ours = reference[golden.InputIds.Length - 1])
        {
            Assert.True((first - ours).abs().max().item<float>() < 1e-4, "the reference forward disagrees with the fixture's logits");
        }

        for (var i = 0; i < events.Count; i++)
        {
            using var row = reference[golden.InputIds.Length - 1 + i];
            using var logp = row.log_softmax(0);
            var expected = logp.data<float>().ToArray();
            var lp = events[i].Logprobs!;
            Assert.Equal(events[i].Token, lp.TopIds[0]);
            Assert.Equal(5, lp.TopIds.Length);
            Assert.Equal(Enumerable.Range(0, expected.Length).OrderByDescending(j => expected[j]).Take(5).Select(j => (long)j), lp.TopIds);
            Assert.Equal(expected[events[i].Token], lp.Logprob, 1e-3);
            Assert.All(lp.TopIds.Zip(lp.TopLogprobs), p => Assert.Equal(expected[p.First], p.Second, 1e-3));
        }
    }

    private static async Task<torch.Tensor> FullLogits(long[] ids)
    {
        using var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, ownsModel: false);
        return await lm.StepAsync([new SequenceStep(1, 0, ids)], LogitsMode.All);
    }

    private static async Task<List<GenerationEvent>> Collect(System.Threading.Channels.ChannelReader<GenerationEvent> reader)
    {
        var events = new List<GenerationEvent>();
        await foreach (var e in reader.ReadAllAsync())
        {
            if (e.Finish is { } f)
            {
                Assert.Equal(FinishReason.Length, f);
                break;
            }

            events.Add(e);
        }

        return events;
    }

    /// <summary>The model in this process, or loopback ranks behind the data plane.</summary>
    private sealed class ExecutorUnderTest : IAsyncDisposable
    {
        private ICausalLm? _lm;
        private LoopbackDeployment? _set;
        private DataPlaneDriver? _driver;

        public IStepExecutor Executor { get; private set; } = null!;

        public static async Task<ExecutorUnderTest> StartAsync(string kind, EngineOptions options)
        {
            var run = new ExecutorUnderTest();
            if (kind == "local")
            {
                var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
                run._lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
                run.Executor = new LocalStepExecutor(run._lm);
                return run;
            }

            if (kind.StartsWith("local ranks", StringComparison.Ordinal))
            {
                var config = HunyuanConfig.Load(Model);
                var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(2, 2, 1L << 30), new LayoutRequest(2, 2));
                run._lm = await LocalRankSet.LoadAsync(plan, Model, LoadOptions.Of(torch.ScalarType.Float32), paged: new PagedKvOptions(options.Blocks, options.BlockSize));
                run.Executor = new LocalStepExecutor(run._lm);
                return run;
            }

            var (tp, pp) = kind.EndsWith("pp2", StringComparison.Ordinal) ? (1, 2) : (2, 1);
            run._set = await LoopbackDeployment.LoadAsync(Model, tp, pp, LoadOptions.Of(torch.ScalarType.Float32), new PagedKvOptions(options.Blocks, options.BlockSize));
            run._driver = await DataPlaneDriver.ConnectAsync(run._set.Target(1));
            run.Executor = run._driver;
            return run;
        }

        public async ValueTask DisposeAsync()
        {
            _lm?.Dispose();
            if (_driver is not null)
            {
                await _driver.DisposeAsync();
            }

            if (_set is not null)
            {
                await _set.DisposeAsync();
            }
        }
    }
}
