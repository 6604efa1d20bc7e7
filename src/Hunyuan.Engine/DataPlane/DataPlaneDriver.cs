using System.Collections.Concurrent;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The lease holder's steps, straight to the ranks: one connection per rank; each step's batch is written to every
/// rank in one order (the send lock), so every rank sees one step order, and several steps may be in flight (pipeline
/// stages work on different micro-batches). A step completes when every rank has reported it; the sampled ids come
/// from the last stage's first rank. A failed step fails only its own batch; a lost connection fails every step in
/// flight at once and breaks the driver (<see cref="Broken"/>), which the owner replaces once the deployment heals. So
/// does a rank refusing a step because it serves a newer lease (<see cref="Superseded"/>): another driver took over,
/// and none of this one's steps would run again.
/// </summary>
public sealed class DataPlaneDriver : IStepExecutor, IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly DataPlaneTarget _target;
    private readonly FrameConnection[] _ranks;
    private readonly Task[] _readers;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingStep> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _timingsGate = new();
    private DataPlaneTimings _timings;

    // Step ids start at a random point, not at 1: activations of a previous driver's step that were on their way to the
    // next stage when this driver's hello reset the ranks arrive after the reset under that driver's ids. Starting
    // where it did, this driver would reach those ids and a stage would take the stale rows as its own input.
    private long _step = Random.Shared.NextInt64(1L << 32, 1L << 62);
    private volatile string? _broken;
    private volatile bool _superseded;
    private volatile bool _resetNeeded;

    private DataPlaneDriver(DataPlaneTarget target, FrameConnection[] ranks)
    {
        _target = target;
        _ranks = ranks;
        _readers = ranks.Select(ReadAsync).ToArray();
    }

    public DataPlaneTarget Target => _target;

    /// <summary>Why the driver can no longer carry steps (a rank's connection was lost), or null while it can.</summary>
    public string? Broken => _broken;

    /// <summary>Whether it broke because a rank serves a newer lease (another endpoint took over), not because a rank was lost.</summary>
    public bool Superseded => _superseded;

    public int PipelineDepth => Math.Max(1, _target.Stages);

    /// <summary>The completed steps' cost so far (see <see cref="DataPlaneTimings"/>); take two and subtract for a run.</summary>
    public DataPlaneTimings Timings
    {
        get
        {
            lock (_timingsGate)
            {
                return _timings;
            }
        }
    }

    public static async Task<DataPlaneDriver> ConnectAsync(DataPlaneTarget target, CancellationToken cancellationToken = default)
    {
        var connections = new FrameConnection[target.RankEndpoints.Count];
        try
        {
            await Task.WhenAll(target.RankEndpoints.Select(async (endpoint, rank) =>
            {
                var c = await FrameConnection.ConnectAsync(endpoint, $"rank {rank}", ConnectTimeout, cancellationToken);
                connections[rank] = c;
                await DataPlaneClient.HandshakeAsync(c, new DataPlaneHello(DataPlaneRole.Driver, target.Deployment, target.Epoch, rank, target.Token, target.Lease), ConnectTimeout, cancellationToken);
            }));
        }
        catch
        {
            foreach (var c in connections)
            {
                c?.Dispose();
            }

            throw;
        }

        return new DataPlaneDriver(target, connections);
    }

    public async Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken)
    {
        ThrowIfBroken();
        var pending = new PendingStep(_ranks.Length, PipelineDepth);
        var trace = System.Diagnostics.Activity.Current?.Context;
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (_resetNeeded)
            {
                // A step failed mid-forward: the ranks' collectives were aborted. Let the steps in flight finish (they
                // fail or succeed on their own), then reset every rank before anything else is sent.
                await Task.WhenAll(_pending.Values.Select(p => p.Done.Task.ContinueWith(_ => { }, TaskScheduler.Default)));
                await BroadcastAsync(FrameKind.Reset, ReadOnlyMemory<byte>.Empty, cancellationToken);
                _resetNeeded = false;
            }

            var stepId = ++_step;
            _pending[stepId] = pending;
            pending.StepId = stepId;
            pending.Started = System.Diagnostics.Stopwatch.GetTimestamp();
            await BroadcastAsync(FrameKind.Step, new StepMessage(stepId, _target.Lease, batch, trace is { } t && t != default ? t : null).Encode(), cancellationToken);
        }
        catch (DataPlaneException ex)
        {
            Break(ex.Message);
            throw;
        }
        finally
        {
            _send.Release();
        }

        var outcome = await pending.Done.Task.WaitAsync(cancellationToken);
        _pending.TryRemove(pending.StepId, out _);
        if (!outcome.Failed)
        {
            lock (_timingsGate)
            {
                _timings = new DataPlaneTimings(_timings.Steps + 1, _timings.StepSeconds + pending.Seconds, _timings.RankSeconds + pending.CriticalRankSeconds);
            }
        }
        if (outcome.Failed)
        {
            if (outcome.CollectivesAffected)
            {
                _resetNeeded = true;
            }

            throw new DataPlaneStepException(outcome.Error!, outcome.CollectivesAffected);
        }

        if (outcome.Tokens is not { } tokens || tokens.Length != batch.Count)
        {
            throw new DataPlaneStepException($"rank {_target.ResultRank} returned {outcome.Tokens?.Length ?? 0} ids for a batch of {batch.Count}", false);
        }

        return tokens;
    }

    public async Task ReleaseAsync(long sequenceId)
    {
        if (_broken is not null)
        {
            return;
        }

        await _send.WaitAsync();
        try
        {
            await BroadcastAsync(FrameKind.Release, RankDataEndpoint.EncodeRelease([sequenceId]), CancellationToken.None);
        }
        catch (DataPlaneException ex)
        {
            Break(ex.Message);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Greedy (or sampled) generation of one sequence outside any KV pool: the canary's and the benchmarks' path.</summary>
    public async Task<long[]> GenerateAsync(long sequenceId, long[] prompt, int maxTokens, SamplingParameters? sampling = null, CancellationToken cancellationToken = default)
    {
        sampling ??= SamplingParameters.Greedy;
        var output = new List<long>(maxTokens);
        try
        {
            var next = (await StepAsync([new ExecutorSequence(sequenceId, 0, prompt, null, sampling, prompt.Length)], cancellationToken))[0].Token;
            var position = prompt.Length;
            while (output.Count < maxTokens)
            {
                output.Add(next);
                if (output.Count == maxTokens)
                {
                    break;
                }

                next = (await StepAsync([new ExecutorSequence(sequenceId, position++, [next], null, sampling, prompt.Length)], cancellationToken))[0].Token;
            }

            return output.ToArray();
        }
        finally
        {
            await ReleaseAsync(sequenceId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Break("the driver was closed");
        await _stop.CancelAsync();
        foreach (var c in _ranks)
        {
            c.Dispose();
        }

        await Task.WhenAll(_readers);
        _stop.Dispose();
        _send.Dispose();
    }

    private async Task BroadcastAsync(FrameKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        foreach (var c in _ranks)
        {
            await c.SendAsync(kind, payload, cancellationToken: cancellationToken);
        }
    }

    private async Task ReadAsync(FrameConnection connection, int rank)
    {
        try
        {
            await BlockingFrameReader.Start($"driver-rank-{rank}", connection, frame => OnOutcome(connection, rank, frame), _stop.Token);
            Break($"{connection.Peer} closed its connection");
        }
        catch (Exception ex) when (ex is DataPlaneException or InvalidDataException or OperationCanceledException)
        {
            Break(ex is OperationCanceledException ? "the driver was closed" : ex.Message);
        }
    }

    // On the connection's reading thread: the step's completion runs its continuation on the thread pool, not here.
    private void OnOutcome(FrameConnection connection, int rank, Frame frame)
    {
        if (frame.Kind != FrameKind.StepResult)
        {
            throw new InvalidDataException($"{connection.Peer} sent a {frame.Kind} frame to the driver");
        }

        var outcome = StepOutcome.Decode(frame.Payload);
        if (outcome.Superseded)
        {
            // Before the step hears of it, so every step in flight fails with the same cause, at once.
            _superseded = true;
            Break($"rank {rank}: {outcome.Error}");
        }

        if (_pending.TryGetValue(outcome.StepId, out var step))
        {
            step.Report(rank, outcome, rank == _target.ResultRank);
        }
    }

    private void Break(string reason)
    {
        if (Interlocked.CompareExchange(ref _broken, reason, null) is not null)
        {
            return;
        }

        foreach (var p in _pending.Values)
        {
            p.Done.TrySetException(new DataPlaneException($"deployment {_target.Deployment}: {reason}"));
        }
    }

    private void ThrowIfBroken()
    {
        if (_broken is { } reason)
        {
            throw new DataPlaneException($"deployment {_target.Deployment}: {reason}");
        }
    }

    private sealed class PendingStep(int ranks, int stages)
    {
        private readonly object _gate = new();
        private readonly double[] _stageSeconds = new double[stages];
        private readonly int _ranksPerStage = Math.Max(1, ranks / stages);
        private int _left = ranks;
        private StepOutcome? _failure;
        private SampledToken[]? _tokens;

        public long StepId { get; set; }

        public long Started { get; set; }

        /// <summary>From the broadcast to the last outcome (set when the last one arrives).</summary>
        public double Seconds { get; private set; }

        /// <summary>The ranks' own work on the critical path: per stage its slowest member, summed over the stages.</summary>
        public double CriticalRankSeconds => _stageSeconds.Sum();

        public TaskCompletionSource<StepOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Report(int rank, StepOutcome outcome, bool carriesTokens)
        {
            lock (_gate)
            {
                if (outcome.Failed)
                {
                    // The first failure names the cause; a mid-forward failure anywhere means a reset.
                    _failure = _failure is null
                        ? outcome with { Error = $"rank {rank}: {outcome.Error}" }
                        : _failure with { CollectivesAffected = _failure.CollectivesAffected || outcome.CollectivesAffected };
                }
                else if (carriesTokens)
                {
                    _tokens = outcome.Tokens;
                }

                // Ranks are numbered stage by stage (rank = stage * tp + index).
                var stage = Math.Min(rank / _ranksPerStage, _stageSeconds.Length - 1);
                _stageSeconds[stage] = Math.Max(_stageSeconds[stage], outcome.ComputeSeconds);
                if (--_left == 0)
                {
                    Seconds = System.Diagnostics.Stopwatch.GetElapsedTime(Started).TotalSeconds;
                    Done.TrySetResult(_failure ?? new StepOutcome(StepId, _tokens));
                }
            }
        }
    }
}
