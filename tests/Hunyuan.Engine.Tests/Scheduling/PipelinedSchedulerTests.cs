using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>
/// With a pipelined executor the scheduler keeps several micro-batches in flight, never one sequence in two of them,
/// and every request still gets its solo tokens; a failed batch fails only its own requests.
/// </summary>
public sealed class PipelinedSchedulerTests
{
    private static readonly string Model = Fixtures.Path("tiny-moe");
    private static readonly HashSet<long> NoStops = [];

    [Fact]
    public async Task TwoMicroBatchesInFlightOverTheDataPlaneGiveEveryRequestItsSoloTokens()
    {
        var options = new EngineOptions { Blocks = 128, BlockSize = 4, MaxBatchedTokens = 32, MaxNumSeqs = 8 };
        await using var set = await LoopbackDeployment.LoadAsync(Model, 1, 2, Hunyuan.Model.Variants.LoadOptions.Of(torch.ScalarType.Float32), new PagedKvOptions(options.Blocks, options.BlockSize));
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        var watched = new WatchingExecutor(driver);
        var scheduler = new Scheduler(watched, options);
        await using var _ = scheduler;

        var prompts = Enumerable.Range(0, 8).Select(i => SchedulerTests.Prompt(2 + (i * 3), i)).ToArray();
        var runs = prompts.Select(p => SchedulerTests.Collect(scheduler.Submit(new GenerationRequest(p, 6, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None))).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(2));

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(FinishReason.Length, results[i].Finish);
            Assert.Equal(SchedulerTests.Alone(prompts[i], 6), results[i].Tokens);
        }

        Assert.Equal(2, watched.MaxInFlight);
        Assert.Null(watched.Overlap);
    }

    [Fact]
    public async Task AFailedMicroBatchFailsOnlyItsOwnRequests()
    {
        var options = new EngineOptions { Blocks = 128, BlockSize = 4, MaxBatchedTokens = 32, MaxNumSeqs = 4 };
        var model = ModelLoader.Load(Model, torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        using var failing = new FailOnceExecutor(new LocalStepExecutor(lm), failWhenBatchHolds: 3);
        var scheduler = new Scheduler(failing, options);
        await using var _ = scheduler;

        var prompts = Enumerable.Range(0, 4).Select(i => SchedulerTests.Prompt(3 + i, 10 + i)).ToArray();
        var runs = prompts.Select(p => SchedulerTests.Collect(scheduler.Submit(new GenerationRequest(p, 5, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None))).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(2));

        var failedSequences = failing.FailedBatch!.Select(s => s.SequenceId).ToHashSet();
        Assert.Contains(3L, failedSequences);
        Assert.True(failedSequences.Count < prompts.Length, "the failed batch must not hold every request");
        for (var i = 0; i < prompts.Length; i++)
        {
            if (failedSequences.Contains(i + 1))
            {
                Assert.Equal(FinishReason.Error, results[i].Finish);
            }
            else
            {
                Assert.Equal(FinishReason.Length, results[i].Finish);
                Assert.Equal(SchedulerTests.Alone(prompts[i], 5), results[i].Tokens);
            }
        }
    }

    /// <summary>Passes steps through, recording how many were in flight at once and whether a sequence was in two.</summary>
    private sealed class WatchingExecutor(IStepExecutor inner) : IStepExecutor
    {
        private readonly object _gate = new();
        private readonly HashSet<long> _busy = [];
        private int _inFlight;

        public int MaxInFlight { get; private set; }

        public string? Overlap { get; private set; }

        public int PipelineDepth => inner.PipelineDepth;

        public async Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                MaxInFlight = Math.Max(MaxInFlight, ++_inFlight);
                foreach (var s in batch)
                {
                    if (!_busy.Add(s.SequenceId))
                    {
                        Overlap ??= $"sequence {s.SequenceId} in two steps at once";
                    }
                }
            }

            try
            {
                return await inner.StepAsync(batch, cancellationToken);
            }
            finally
            {
                lock (_gate)
                {
                    _inFlight--;
                    foreach (var s in batch)
                    {
                        _busy.Remove(s.SequenceId);
                    }
                }
            }
        }

        public Task ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
    }

    /// <summary>
    /// Fails the first step whose batch holds the given sequence, on purpose; everything else runs for real, one step at
    /// a time on the one in-process model (which is not reentrant) while the scheduler keeps two in flight.
    /// </summary>
    private sealed class FailOnceExecutor(IStepExecutor inner, long failWhenBatchHolds) : IStepExecutor, IDisposable
    {
        private readonly SemaphoreSlim _one = new(1, 1);

        public IReadOnlyList<ExecutorSequence>? FailedBatch { get; private set; }

        public int PipelineDepth => 2;

        public async Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken)
        {
            await _one.WaitAsync(cancellationToken);
            try
            {
                if (FailedBatch is null && batch.Any(s => s.SequenceId == failWhenBatchHolds))
                {
                    FailedBatch = batch;
                    throw new InvalidOperationException("injected failure");
                }

                return await inner.StepAsync(batch, cancellationToken);
            }
            finally
            {
                _one.Release();
            }
        }

        public Task ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);

        public void Dispose() => _one.Dispose();
    }
}
