using Hunyuan.Engine.Scheduling;
using Hunyuan.Engine.Tests.TestSupport;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>
/// A request's grammar reaches the sampler: its mask is sent with each step that samples the sequence, the constraint
/// advances only on new tokens (never on a recompute), and the request stops when the grammar is complete.
/// </summary>
public sealed class GrammarSchedulingTests
{
    internal const long Vocab = 512;
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    /// <summary>The plain-greedy fast path (argmax on the device), and the general path made deterministic by top-k 1.</summary>
    public static TheoryData<string> Paths => ["greedy", "top-k 1"];

    internal static SamplingParameters Sampling(string path) =>
        path == "greedy" ? SamplingParameters.Greedy : new SamplingParameters(Temperature: 0.8, TopK: 1, Seed: 3);

    /// <summary>The reference: each step's argmax among its set's ids only, from the model's own logits.</summary>
    internal static async Task<long[]> MaskedGreedy(long[] prompt, IReadOnlyList<long[]> sets)
    {
        using var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, ownsModel: false);
        var output = new List<long>();
        var input = prompt;
        var position = 0;
        foreach (var set in sets)
        {
            using var logits = await lm.StepAsync([new SequenceStep(1, position, input)], LogitsMode.LastOfEachSegment);
            var row = logits.data<float>().ToArray();
            var next = set.MaxBy(id => row[id]);
            output.Add(next);
            position += input.Length;
            input = [next];
        }

        return [.. output];
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ConstrainedRequestsGetTheMaskedTokensAndStopWhenCompleteNextToFreeOnes(string path)
    {
        var options = new EngineOptions { Blocks = 128, BlockSize = 4, MaxBatchedTokens = 16, MaxNumSeqs = 8 };
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        var scheduler = new Scheduler(new LocalStepExecutor(lm), options);
        await using var _ = scheduler;
        var sampling = Sampling(path);

        // Prompts up to 35 tokens: several prefill chunks of 16, which must not ask for a mask.
        var prompts = Enumerable.Range(0, 6).Select(i => SchedulerTests.Prompt(5 + (i * 6), 40 + i)).ToArray();
        var grammars = Enumerable.Range(0, 4).Select(i => StepSetGrammar.Random(3, 12, Vocab, seed: i)).ToArray();
        var runs = prompts.Select((p, i) => SchedulerTests.Collect(scheduler.Submit(
            new GenerationRequest(p, 20, sampling, NoStops, NoStops, Grammar: i < grammars.Length ? grammars[i] : null), CancellationToken.None))).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(2));

        for (var i = 0; i < grammars.Length; i++)
        {
            var constraint = Assert.Single(grammars[i].Started);
            Assert.Equal(FinishReason.Stop, results[i].Finish);
            Assert.Equal(await MaskedGreedy(prompts[i], grammars[i].Sets), results[i].Tokens);
            Assert.NotEqual(SchedulerTests.Alone(prompts[i], 3), results[i].Tokens);   // the mask changed the output
            Assert.Equal(results[i].Tokens, constraint.Advanced);
            Assert.Equal(3, constraint.MaskRequests);
        }

        for (var i = grammars.Length; i < prompts.Length; i++)
        {
            Assert.Equal(FinishReason.Length, results[i].Finish);
            Assert.Equal(SchedulerTests.Alone(prompts[i], 20), results[i].Tokens);
        }

        Assert.Equal(0, scheduler.Metrics.KvBlocksUsed);
    }

    [Fact]
    public async Task PreemptionRecomputesWithoutAdvancingTheGrammarAgain()
    {
        // 10 blocks of 4 tokens: three 12-token prompts growing by 12 cannot all stay resident.
        var options = new EngineOptions { Blocks = 10, BlockSize = 4, MaxBatchedTokens = 64, MaxNumSeqs = 3 };
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        var scheduler = new Scheduler(new LocalStepExecutor(lm), options);
        await using var _ = scheduler;

        var prompts = Enumerable.Range(0, 3).Select(i => SchedulerTests.Prompt(12, 100 + i)).ToArray();
        var grammars = Enumerable.Range(0, 3).Select(i => StepSetGrammar.Random(12, 16, Vocab, seed: 20 + i)).ToArray();
        var results = await Task.WhenAll(prompts.Select((p, i) => SchedulerTests.Collect(scheduler.Submit(
            new GenerationRequest(p, 100, SamplingParameters.Greedy, NoStops, NoStops, Grammar: grammars[i]), CancellationToken.None)))).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(scheduler.Metrics.Preemptions > 0, "expected the pool to run out");
        for (var i = 0; i < 3; i++)
        {
            var constraint = Assert.Single(grammars[i].Started);
            Assert.Equal(FinishReason.Stop, results[i].Finish);
            Assert.Equal(await MaskedGreedy(prompts[i], grammars[i].Sets), results[i].Tokens);
            Assert.Equal(results[i].Tokens, constraint.Advanced);
            Assert.Equal(12, constraint.MaskRequests);
        }

        Assert.Equal(0, scheduler.Metrics.KvBlocksUsed);
    }

    [Fact]
    public async Task HotSamplingDrawsOnlyAllowedTokens()
    {
        var options = new EngineOptions { Blocks = 128, BlockSize = 4 };
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        var scheduler = new Scheduler(new LocalStepExecutor(lm), options);
        await using var _ = scheduler;

        // Two ids a step, a hot temperature: over 16 seeds both ids of a step come up, and nothing else ever does.
        var grammar = StepSetGrammar.Random(4, 2, Vocab, seed: 9);
        var prompt = SchedulerTests.Prompt(6, 9);
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(seed => SchedulerTests.Collect(scheduler.Submit(
            new GenerationRequest(prompt, 50, new SamplingParameters(Temperature: 5, Seed: seed), NoStops, NoStops, Grammar: grammar), CancellationToken.None)))).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.All(results, r =>
        {
            Assert.Equal(FinishReason.Stop, r.Finish);
            Assert.Equal(4, r.Tokens.Count);
            Assert.All(r.Tokens.Select((t, k) => (t, k)), x => Assert.Contains(x.t, grammar.Sets[x.k]));
        });
        Assert.True(results.Select(r => r.Tokens[0]).Distinct().Count() == 2, "a hot temperature over two allowed ids should draw both");
    }

    [Fact]
    public async Task AGrammarThatAllowsNothingFailsOnlyItsRequest()
    {
        var options = new EngineOptions { Blocks = 64, BlockSize = 4 };
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        var scheduler = new Scheduler(new LocalStepExecutor(lm), options);
        await using var _ = scheduler;

        var empty = new StepSetGrammar([[5], []], Vocab);
        var prompt = SchedulerTests.Prompt(7, 3);
        var failing = scheduler.Submit(new GenerationRequest(prompt, 10, SamplingParameters.Greedy, NoStops, NoStops, Grammar: empty), CancellationToken.None);
        var free = SchedulerTests.Collect(scheduler.Submit(new GenerationRequest(prompt, 4, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None));

        var events = new List<GenerationEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await foreach (var e in failing.ReadAllAsync(timeout.Token))
        {
            events.Add(e);
        }

        Assert.Equal([5L], events.Where(e => e.Finish is null).Select(e => e.Token));
        Assert.Equal(FinishReason.Error, events[^1].Finish);
        Assert.Contains("allows no next token", events[^1].Error, StringComparison.Ordinal);
        Assert.Equal(SchedulerTests.Alone(prompt, 4), (await free.WaitAsync(TimeSpan.FromMinutes(1))).Tokens);
        Assert.Equal(0, scheduler.Metrics.KvBlocksUsed);
    }
}
