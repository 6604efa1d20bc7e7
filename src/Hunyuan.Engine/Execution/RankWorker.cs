using System.Collections.Concurrent;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Execution;

/// <summary>
/// One rank: its model partition and KV caches, owned by a dedicated thread (TorchSharp dispose scopes are per
/// thread, and rank compute must never run on a shared scheduler). Work is posted to the thread and completes a task.
/// The partition is loaded on that thread from the rank's own memory-mapped view of the checkpoint, reading only its
/// slices; <see cref="BytesRead"/> says how much that was.
/// </summary>
public sealed class RankWorker : IRankStepRunner, IDisposable, IAsyncDisposable
{
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;
    private readonly Dictionary<long, IKvCache> _caches = [];
    private readonly Dictionary<long, List<long>> _histories = [];
    private readonly HunyuanConfig _config;
    private readonly ITensorParallelGroup _group;
    private readonly IStageLink? _inbound;
    private readonly IStageLink? _outbound;
    private SafeTensorsCheckpoint? _checkpoint;
    private HunyuanModel? _model;
    private KvBlockPool? _pool;
    private long _bytesRead;
    private TimeSpan _transport;

    public RankWorker(RankPlan plan, HunyuanConfig config, ITensorParallelGroup group, IStageLink? inbound, IStageLink? outbound)
    {
        Plan = plan;
        _config = config;
        _group = group;
        _inbound = inbound;
        _outbound = outbound;
        _thread = new Thread(Run) { IsBackground = true, Name = $"rank-{plan.Rank}" };
        _thread.Start();
    }

    public RankPlan Plan { get; }

    /// <summary>
    /// Called on the rank's thread after each data-plane step: its whole time, and the part of it spent on the pipeline
    /// links (waiting for the previous stage's activations, sending to the next stage).
    /// </summary>
    public Action<TimeSpan, TimeSpan>? StepTimed { get; set; }

    public long BytesRead => _checkpoint?.BytesRead ?? Interlocked.Read(ref _bytesRead);

    public long ResidentWeightBytes => _model?.ResidentBytes ?? 0;

    public long ResidentKvBytes => _pool?.ResidentBytes ?? _caches.Values.Sum(c => c.ResidentBytes);

    /// <summary>KV bytes one token takes on this rank (0 before loading).</summary>
    public long KvBytesPerToken => _model?.KvBytesPerToken ?? 0;

    public int CachedSequences => _caches.Count;

    /// <summary>The device this rank's partition lives on (the CPU until loaded).</summary>
    public ComputeDevice Device => _model?.Device ?? ComputeDevice.Cpu;

    /// <summary>Loads this rank's partition; the checkpoint stays mapped until the worker is disposed.</summary>
    /// <param name="modelDirectory">The checkpoint directory (the same path on every node).</param>
    /// <param name="options">Variant, compute dtype and this rank's device.</param>
    /// <param name="progress">Load progress, 0..1.</param>
    /// <param name="paged">When set, a paged KV pool of that many blocks is allocated for the scheduler's block tables.</param>
    public Task LoadAsync(string modelDirectory, LoadOptions options, IProgress<double>? progress = null, PagedKvOptions? paged = null) => Post(() =>
    {
        _checkpoint = SafeTensorsCheckpoint.Open(modelDirectory);
        _model = ModelLoader.Load(_config, _checkpoint, options, Plan.Slice, _group, progress);
        if (paged is not null)
        {
            _pool = _model.NewBlockPool(paged.Blocks, paged.BlockSize);
        }

        Interlocked.Exchange(ref _bytesRead, _checkpoint.BytesRead);
        _checkpoint.Dispose();
        _checkpoint = null;
        return true;
    });

    /// <summary>Runs the rank's part of a step. Returns logits on the last stage's first rank, null elsewhere.</summary>
    public Task<torch.Tensor?> StepAsync(long stepId, IReadOnlyList<SequenceStep> batch, LogitsMode mode) => Post(() =>
    {
        var model = _model ?? throw new InvalidOperationException($"rank {Plan.Rank} is not loaded");
        var segments = SequenceCaches.Segments(_caches, batch, model.NewCache, $"rank {Plan.Rank}", _pool);
        torch.Tensor input = Plan.Slice.HasEmbedding
            ? torch.tensor(batch.SelectMany(s => s.TokenIds).ToArray(), dtype: torch.ScalarType.Int64, device: model.Device.Torch)
            : _inbound!.Receive(stepId);
        using (input)
        {
            var output = model.Forward(input, segments, mode);
            if (!Plan.Slice.HasHead)
            {
                using (output)
                {
                    _outbound!.Send(stepId, output);
                }

                return null;
            }

            if (Plan.TpIndex == 0)
            {
                return output.DetachFromDisposeScope();
            }

            output.Dispose();
            return (torch.Tensor?)null;
        }
    });

    /// <summary>
    /// One step of the data plane on this rank's thread: input from the token ids (first stage) or the previous stage,
    /// the forward pass, then the activations to the next stage, or (last stage, first tensor-parallel rank) one token
    /// sampled per sequence, here, so logits never leave the rank. Never throws: a failure before the forward pass (a
    /// bad sequence, an upstream failure) leaves collectives untouched; one during it is reported as affecting them.
    /// Either way the next stage is told, so it fails the step at once instead of waiting.
    /// </summary>
    public void RunStep(StepMessage message, Action<StepOutcome> completed) => _work.Add(() =>
    {
        StepOutcome outcome;
        try
        {
            outcome = TimedStep(message);
        }
        catch (Exception ex)
        {
            // Out of memory mid-forward, say: the step failed with collectives possibly under way.
            outcome = new StepOutcome(message.StepId, null, ex.Message, CollectivesAffected: true);
        }

        try
        {
            completed(outcome);
        }
        catch (Exception)
        {
            // Only the outcome's delivery failed (its driver is gone, which the driver side notices); the rank serves on.
        }
    });

    private StepOutcome TimedStep(StepMessage message)
    {
        // The rank's share of the step as a span of the driver's step span (carried in the frame), when traced.
        using var span = message.Trace is { } parent
            ? EngineTelemetry.Source.StartActivity("hyc.rank.step", System.Diagnostics.ActivityKind.Server, parent)
            : null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _transport = TimeSpan.Zero;
        var outcome = RunStep(message);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        StepTimed?.Invoke(elapsed, _transport);
        if (span is not null)
        {
            span.SetTag("hyc.rank", Plan.Rank);
            span.SetTag("hyc.stage", Plan.Stage);
            span.SetTag("hyc.step.id", message.StepId);
            span.SetTag("hyc.step.tokens", message.Batch.Sum(b => b.TokenIds.Length));
            span.SetTag("hyc.rank.transport_seconds", _transport.TotalSeconds);
            if (outcome.Failed)
            {
                span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.Error);
            }
        }

        return outcome with { ComputeSeconds = Math.Max(0, (elapsed - _transport).TotalSeconds) };
    }

    public Task ReleaseAsync(long sequenceId) => Post(() =>
    {
        _histories.Remove(sequenceId);
        if (_caches.Remove(sequenceId, out var cache))
        {
            cache.Dispose();
        }

        return true;
    });

    public Task ReleaseAllAsync() => Post(() =>
    {
        _histories.Clear();
        foreach (var c in _caches.Values)
        {
            c.Dispose();
        }

        _caches.Clear();
        return true;
    });

    /// <summary>
    /// Stops the thread after the work already queued, without blocking the caller (a grain must not block its
    /// scheduler): waits asynchronously, at most 30 s, for the thread to free the partition.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_work.IsAddingCompleted)
        {
            return;
        }

        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (_exited.Task.IsCompleted)
        {
            _work.Dispose();
        }
    }

    private StepOutcome RunStep(StepMessage step)
    {
        var stepId = step.StepId;
        _group.BeginStep(stepId);
        torch.Tensor input;
        List<SequenceSegment> segments;
        try
        {
            var model = _model ?? throw new InvalidOperationException($"rank {Plan.Rank} is not loaded");
            var batch = step.Batch.Select(b => new SequenceStep(b.SequenceId, b.StartPosition, b.TokenIds, b.BlockTable)).ToArray();
            var rows = batch.Sum(b => (long)b.TokenIds.Length);
            if (Plan.Slice.HasEmbedding)
            {
                foreach (var b in batch)
                {
                    if (Array.FindIndex(b.TokenIds, t => t < 0 || t >= _config.VocabSize) is var bad and >= 0)
                    {
                        throw new ArgumentException($"sequence {b.SequenceId}: token {b.TokenIds[bad]} is outside the vocabulary of {_config.VocabSize}");
                    }
                }
            }

            segments = SequenceCaches.Segments(_caches, batch, model.NewCache, $"rank {Plan.Rank}", _pool);
            if (Plan.Slice.HasEmbedding)
            {
                input = torch.tensor(batch.SelectMany(s => s.TokenIds).ToArray(), dtype: torch.ScalarType.Int64, device: model.Device.Torch);
            }
            else
            {
                var waitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                using var received = _inbound!.Receive(stepId);
                _transport += System.Diagnostics.Stopwatch.GetElapsedTime(waitStarted);
                if (received.shape[0] != rows)
                {
                    throw new InvalidDataException($"step {stepId}: the previous stage sent {received.shape[0]} rows for a batch of {rows} tokens");
                }

                input = TensorDevices.On(received, model.Device.Torch).DetachFromDisposeScope();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Peers on other nodes may not have failed alike (their checks can differ): they must not wait for this rank.
            _group.FailStep(stepId, ex.Message);
            _outbound?.SendFailure(stepId, ex.Message);
            return new StepOutcome(stepId, null, ex.Message);
        }

        try
        {
            using (input)
            {
                var output = _model!.Forward(input, segments, LogitsMode.LastOfEachSegment);
                if (!Plan.Slice.HasHead)
                {
                    using (output)
                    {
                        var sendStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                        _outbound!.Send(stepId, output);
                        _transport += System.Diagnostics.Stopwatch.GetElapsedTime(sendStarted);
                    }

                    return new StepOutcome(stepId, null);
                }

                using (output)
                {
                    return Plan.TpIndex == 0 ? new StepOutcome(stepId, Sample(step.Batch, output)) : new StepOutcome(stepId, null);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _group.FailStep(stepId, ex.Message);
            _outbound?.SendFailure(stepId, ex.Message);
            return new StepOutcome(stepId, null, ex.Message, CollectivesAffected: true);
        }
    }

    private SampledToken[] Sample(IReadOnlyList<ExecutorSequence> batch, torch.Tensor logits)
    {
        var rows = new RowSampling[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var b = batch[i];
            if (!_histories.TryGetValue(b.SequenceId, out var history) || b.StartPosition == 0 || b.Preceding is not null)
            {
                history = [.. b.Preceding ?? []];
                _histories[b.SequenceId] = history;
            }

            if (b.StartPosition < history.Count)
            {
                history.RemoveRange(b.StartPosition, history.Count - b.StartPosition);
            }

            history.AddRange(b.TokenIds);
            rows[i] = new RowSampling(b.Sampling, history, b.PromptLength, b.StartPosition + b.TokenIds.Length, b.AllowedTokens);
        }

        return TokenSampler.SampleRows(logits, rows);
    }

    public void Dispose()
    {
        if (_work.IsAddingCompleted)
        {
            return;
        }

        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(30));
        }

        _work.Dispose();
    }

    private Task<T> Post<T>(Func<T> body)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                tcs.SetResult(body());
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        });
        return tcs.Task;
    }

    private void Run()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }

        foreach (var c in _caches.Values)
        {
            c.Dispose();
        }

        _caches.Clear();
        _pool?.Dispose();
        _model?.Dispose();
        _checkpoint?.Dispose();
        _exited.TrySetResult();
    }
}
