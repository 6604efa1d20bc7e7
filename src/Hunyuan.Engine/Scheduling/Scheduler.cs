using System.Diagnostics;
using System.Threading.Channels;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// Continuous batching over a paged KV cache. Between steps requests join and leave the batch; each step takes every
/// running decode first, then prefill chunks up to the token budget, so a long prompt is spread over several steps
/// instead of stalling the decodes. Blocks are allocated as sequences grow; when they run out the most recently
/// admitted sequence is preempted (its blocks freed, recomputed later from its tokens so far). A cancelled request
/// leaves at the next step boundary and its blocks go back to the pool. With a pipelined executor (PipelineDepth above 1)
/// up to that many steps are in flight at once on disjoint micro-batches, so every stage has work; a sequence is in at
/// most one of them, and its blocks are never freed or preempted while a step that writes them is in flight. A failed
/// step fails only the sequences of its own batch.
/// </summary>
public sealed class Scheduler : IAsyncDisposable
{
    private readonly IStepExecutor _executor;
    private readonly BlockAllocator _blocks;
    private readonly object _gate = new();
    private readonly LinkedList<Sequence> _waiting = new();
    private readonly List<Sequence> _running = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _nextId;
    private int _disposed;

    public Scheduler(IStepExecutor executor, EngineOptions options)
    {
        options.Validate();
        _executor = executor;
        Options = options;
        _blocks = new BlockAllocator(options.Blocks);
        Metrics.KvBlocksTotal = options.Blocks;
        _loop = Task.Run(LoopAsync);
    }

    public EngineOptions Options { get; }

    public EngineMetrics Metrics { get; } = new();

    /// <summary>Why the scheduler no longer runs (disposed, or its loop failed), or null while it runs.</summary>
    public string? Stopped => _loop.IsCompleted ? _loop.Exception?.GetBaseException().Message ?? "stopped" : null;

    /// <summary>Queues a request; its tokens arrive on the returned reader, the last event carrying the finish.</summary>
    public ChannelReader<GenerationEvent> Submit(GenerationRequest request, CancellationToken cancellationToken)
    {
        if (request.Prompt.Length == 0)
        {
            throw new ArgumentException("the prompt is empty");
        }

        if (request.Prompt.Length >= Options.MaxModelLen)
        {
            throw new PromptTooLongException($"the prompt has {request.Prompt.Length} tokens; max_model_len is {Options.MaxModelLen}, which leaves no room to generate");
        }

        if (BlocksFor(request.Prompt.Length + 1) > Options.Blocks)
        {
            throw new PromptTooLongException($"the prompt needs {BlocksFor(request.Prompt.Length + 1)} KV blocks; the pool has {Options.Blocks}");
        }

        var channel = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var seq = new Sequence(Interlocked.Increment(ref _nextId), request, channel.Writer, cancellationToken);
        lock (_gate)
        {
            if (_waiting.Count >= Options.MaxWaiting)
            {
                EngineTelemetry.Finish(seq.Trace, FinishReason.Error, 0, "queue full");
                throw new QueueFullException(_waiting.Count);
            }

            _waiting.AddLast(seq);
            Metrics.Waiting = _waiting.Count;
        }

        seq.Registration = cancellationToken.Register(Wake);
        Wake();
        return channel.Reader;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        Wake();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        lock (_gate)
        {
            foreach (var s in _waiting.Concat(_running))
            {
                s.Writer.TryComplete();
            }
        }

        _stop.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // Cancelled after the scheduler stopped: nothing left to wake.
        }
    }

    private int BlocksFor(int tokens) => (tokens + Options.BlockSize - 1) / Options.BlockSize;

    private async Task LoopAsync()
    {
        var depth = Math.Max(1, _executor.PipelineDepth);
        var inFlight = new List<(Task<SampledToken[]> Step, List<(Sequence Sequence, ExecutorSequence Work, int Chunk)> Batch)>();
        Task? wake = null;
        while (!_stop.IsCancellationRequested)
        {
            await ReapCancelledAsync();
            if (inFlight.Count < depth)
            {
                var batch = Schedule(depth);
                if (batch.Count > 0)
                {
                    batch = await ForSamplingAsync(batch);
                    if (batch.Count > 0)
                    {
                        inFlight.Add((EngineTelemetry.TraceStep(batch.ConvertAll(w => (w.Sequence.Trace, w.Chunk)), () => _executor.StepAsync(batch.Select(w => w.Work).ToArray(), _stop.Token)), batch));
                    }

                    continue;
                }
            }

            // Wait for a step to finish, or (with room for another) for a new request or a cancellation.
            if (inFlight.Count < depth || inFlight.Count == 0)
            {
                wake ??= _wake.WaitAsync(TimeSpan.FromMilliseconds(200), _stop.Token);
            }

            var waits = inFlight.Select(f => (Task)f.Step).ToList();
            if (wake is not null && inFlight.Count < depth)
            {
                waits.Add(wake);
            }

            var done = await Task.WhenAny(waits).ConfigureAwait(false);
            if (done == wake)
            {
                wake = null;
                await done.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            var finished = inFlight.First(f => f.Step == done);
            inFlight.Remove(finished);
            await CompleteAsync(finished.Step, finished.Batch);
        }

        // Stopping: let the steps in flight end (they were cancelled) so no block is released under them.
        foreach (var (step, _) in inFlight)
        {
            await ((Task)step).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task CompleteAsync(Task<SampledToken[]> step, List<(Sequence Sequence, ExecutorSequence Work, int Chunk)> batch)
    {
        lock (_gate)
        {
            foreach (var w in batch)
            {
                w.Sequence.InFlight = false;
            }
        }

        SampledToken[] tokens;
        try
        {
            tokens = await step;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            foreach (var w in batch)
            {
                await FinishAsync(w.Sequence, FinishReason.Error, ex.GetBaseException().Message);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            await AdvanceAsync(batch[i], tokens[i]);
        }
    }

    /// <param name="depth">Steps that may be in flight: each takes about its share of the sequences, so the next has some.</param>
    private List<(Sequence Sequence, ExecutorSequence Work, int Chunk)> Schedule(int depth)
    {
        lock (_gate)
        {
            var batch = new List<(Sequence, ExecutorSequence, int)>();
            var budget = Options.MaxBatchedTokens;
            var seats = depth == 1 ? int.MaxValue : Math.Max(1, (Options.MaxNumSeqs + depth - 1) / depth);

            // Running sequences not in flight, decodes and unfinished prefills, oldest first; preempt from the newest
            // idle one when out of blocks (a sequence in flight keeps its blocks: a step is writing them).
            for (var i = 0; i < _running.Count && budget > 0 && batch.Count < seats; i++)
            {
                var s = _running[i];
                if (s.InFlight)
                {
                    continue;
                }

                var chunk = Math.Min(s.Tokens.Count - s.Computed, budget);
                while (!_blocks.TryAllocate(Math.Max(0, BlocksFor(s.Computed + chunk) - s.Blocks.Count), s.Blocks))
                {
                    var victim = _running.LastOrDefault(v => !v.InFlight && !batch.Any(b => b.Item1 == v));
                    if (victim is null)
                    {
                        chunk = 0;
                        break;
                    }

                    Preempt(victim);
                    if (victim == s)
                    {
                        chunk = 0;
                        break;
                    }
                }

                if (chunk > 0 && _running.Contains(s))
                {
                    batch.Add((s, Work(s, chunk), chunk));
                    budget -= chunk;
                }
            }

            // Admit waiting requests while blocks and budget allow (no preemption to admit).
            while (_waiting.First is { } node && _running.Count < Options.MaxNumSeqs && budget > 0 && batch.Count < seats)
            {
                var s = node.Value;
                var chunk = Math.Min(s.Tokens.Count - s.Computed, budget);
                if (!_blocks.TryAllocate(BlocksFor(s.Computed + chunk), s.Blocks))
                {
                    break;
                }

                _waiting.RemoveFirst();
                _running.Add(s);
                if (!s.Admitted)
                {
                    s.Admitted = true;
                    EngineTelemetry.Admitted(s.Trace);
                    Metrics.AddPromptTokens(s.Request.Prompt.Length);
                }

                batch.Add((s, Work(s, chunk), chunk));
                budget -= chunk;
            }

            foreach (var (sequence, _, _) in batch)
            {
                sequence.InFlight = true;
            }

            Metrics.Running = _running.Count;
            Metrics.Waiting = _waiting.Count;
            Metrics.KvBlocksUsed = _blocks.Used;
            return batch;
        }
    }

    /// <summary>
    /// Puts each grammar's mask on the work of a sequence this step samples: the chunk that completes its prompt (or
    /// its recompute after preemption) and every decode. A prefill chunk short of the prompt's end samples nothing: it
    /// needs no mask and asks for no logprobs. A grammar that throws or allows nothing fails its own request, which
    /// leaves the batch before the step is sent.
    /// </summary>
    private async Task<List<(Sequence Sequence, ExecutorSequence Work, int Chunk)>> ForSamplingAsync(List<(Sequence Sequence, ExecutorSequence Work, int Chunk)> batch)
    {
        List<((Sequence Sequence, ExecutorSequence Work, int Chunk) Item, string Error)>? failed = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var (s, work, chunk) = batch[i];
            var samples = s.Computed + chunk == s.Tokens.Count;
            if (!samples && work.Sampling.Logprobs >= 0)
            {
                batch[i] = (s, work with { Sampling = work.Sampling with { Logprobs = -1 } }, chunk);
            }

            if (s.Constraint is not { } constraint || !samples)
            {
                continue;
            }

            string error;
            try
            {
                var mask = constraint.AllowedTokens();
                if (mask is null)
                {
                    continue;
                }

                if (TokenMask.AllowsAny(mask, work.Sampling.VocabLimit > 0 ? work.Sampling.VocabLimit : long.MaxValue))
                {
                    batch[i] = (s, work with { AllowedTokens = mask }, chunk);
                    continue;
                }

                error = "the grammar allows no next token";
            }
            catch (Exception ex)
            {
                error = $"the grammar failed: {ex.Message}";
            }

            (failed ??= []).Add((batch[i], error));
        }

        if (failed is null)
        {
            return batch;
        }

        foreach (var (item, error) in failed)
        {
            lock (_gate)
            {
                item.Sequence.InFlight = false;
            }

            batch.Remove(item);
            await FinishAsync(item.Sequence, FinishReason.Error, error);
        }

        return batch;
    }

    private static ExecutorSequence Work(Sequence s, int chunk) =>
        new(s.Id, s.Computed, s.Tokens.GetRange(s.Computed, chunk).ToArray(), s.Blocks.ToArray(), s.Request.Sampling, s.Request.Prompt.Length);

    private void Preempt(Sequence s)
    {
        _running.Remove(s);
        _blocks.Release(s.Blocks);
        s.Computed = 0;
        _waiting.AddFirst(s);
        Metrics.AddPreemption();
    }

    private async Task AdvanceAsync((Sequence Sequence, ExecutorSequence Work, int Chunk) item, SampledToken sampled)
    {
        var token = sampled.Token;
        var s = item.Sequence;
        s.Computed += item.Chunk;
        if (s.Computed < s.Tokens.Count || s.Finished)
        {
            return;   // a prefill chunk that is not the prompt's last: its token is not a prediction
        }

        var r = s.Request;
        var stop = r.StopTokenIds.Contains(token) || (!r.IgnoreEos && r.EosTokenIds.Contains(token));
        if (!stop && s.Constraint is { } constraint)
        {
            // Only newly generated tokens advance the grammar; a recompute after preemption re-reads tokens it has seen.
            try
            {
                constraint.Advance(token);
            }
            catch (Exception ex)
            {
                await FinishAsync(s, FinishReason.Error, $"the grammar refused token {token}: {ex.Message}");
                return;
            }
        }

        s.Tokens.Add(token);
        s.Generated++;
        var now = s.Clock.Elapsed;
        if (s.Generated == 1)
        {
            Metrics.TimeToFirstToken.Observe(now.TotalSeconds);
        }
        else
        {
            Metrics.InterTokenLatency.Observe((now - s.LastToken).TotalSeconds);
        }

        s.LastToken = now;
        Metrics.AddGenerationToken();
        s.Writer.TryWrite(new GenerationEvent(token, Logprobs: sampled.Logprobs));
        if (stop || s.Constraint?.IsComplete == true)
        {
            await FinishAsync(s, FinishReason.Stop);
        }
        else if (s.Generated >= r.MaxTokens || s.Tokens.Count >= Options.MaxModelLen)
        {
            await FinishAsync(s, FinishReason.Length);
        }
    }

    private async Task ReapCancelledAsync()
    {
        List<Sequence> cancelled;
        lock (_gate)
        {
            // A sequence in flight leaves when its step is back: its blocks are being written until then.
            cancelled = _running.Concat(_waiting).Where(s => s.Cancellation.IsCancellationRequested && !s.Finished && !s.InFlight).ToList();
        }

        foreach (var s in cancelled)
        {
            await FinishAsync(s, FinishReason.Cancelled);
        }
    }

    private async Task FinishAsync(Sequence s, FinishReason reason, string? error = null)
    {
        lock (_gate)
        {
            if (s.Finished)
            {
                return;
            }

            s.Finished = true;
            _running.Remove(s);
            _waiting.Remove(s);
            _blocks.Release(s.Blocks);
            Metrics.Running = _running.Count;
            Metrics.Waiting = _waiting.Count;
            Metrics.KvBlocksUsed = _blocks.Used;
        }

        await s.Registration.DisposeAsync();
        EngineTelemetry.Finish(s.Trace, reason, s.Generated, error);
        Metrics.RequestLatency.Observe(s.Clock.Elapsed.TotalSeconds);
        Metrics.AddFinished(reason);
        s.Writer.TryWrite(new GenerationEvent(-1, reason, error));
        s.Writer.TryComplete();
        try
        {
            await _executor.ReleaseAsync(s.Id);
        }
        catch (Exception)
        {
            // The ranks drop the sequence's cache objects; the blocks are already back in the pool either way.
        }
    }

    private sealed class Sequence(long id, GenerationRequest request, ChannelWriter<GenerationEvent> writer, CancellationToken cancellation)
    {
        public long Id { get; } = id;

        public GenerationRequest Request { get; } = request;

        public ChannelWriter<GenerationEvent> Writer { get; } = writer;

        public CancellationToken Cancellation { get; } = cancellation;

        public List<long> Tokens { get; } = [.. request.Prompt];

        /// <summary>The grammar's state for this sequence's output (started in Submit: a failing grammar fails the call).</summary>
        public ITokenConstraint? Constraint { get; } = request.Grammar?.Start();

        public List<int> Blocks { get; } = [];

        public int Computed { get; set; }

        public int Generated { get; set; }

        public bool Admitted { get; set; }

        public bool Finished { get; set; }

        /// <summary>In a step that has not come back yet.</summary>
        public bool InFlight { get; set; }

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public TimeSpan LastToken { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        // Created in Submit, on the caller's context: the request span's parent is the caller's (HTTP) span.
        public RequestTrace? Trace { get; } = EngineTelemetry.StartRequest(request);
    }
}
