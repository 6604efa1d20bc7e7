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
/// Full blocks whose K/V a returned step wrote go into the prefix cache (<see cref="PrefixCache"/>); a request admitted
/// later starts from its longest cached prefix and prefills only the rest, at least one token. A request of n choices
/// prefills its prompt once: the other choices reference the first one's full blocks.
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
    private readonly UInt128 _hashSeed;
    private long _nextId;
    private long _kvGeneration;
    private int _disposed;

    public Scheduler(IStepExecutor executor, EngineOptions options)
    {
        options.Validate();
        _executor = executor;
        Options = options;
        _blocks = new BlockAllocator(options.Blocks, keepCached: options.PrefixCaching);
        _hashSeed = BlockHash.Seed($"{options.PrefixCacheIdentity}\nblock_size={options.BlockSize}");
        _kvGeneration = executor.KvGeneration;
        Metrics.KvBlocksTotal = options.Blocks;
        Metrics.KvBlocksFree = options.Blocks;
        _loop = Task.Run(LoopAsync);
    }

    public EngineOptions Options { get; }

    public EngineMetrics Metrics { get; } = new();

    /// <summary>Why the scheduler no longer runs (disposed, or its loop failed), or null while it runs.</summary>
    public string? Stopped => _loop.IsCompleted ? _loop.Exception?.GetBaseException().Message ?? "stopped" : null;

    /// <summary>
    /// Queues a request; its tokens arrive on the returned reader, each choice's last event carrying its finish; the
    /// reader completes when every choice has finished.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Ends every choice (the client went away).</param>
    /// <param name="choiceCancellations">
    /// When given, one per choice, and choice i ends (Cancelled) when its token is cancelled instead of
    /// <paramref name="cancellationToken"/>: the caller stops one choice (it reached a stop string) while the others go on.
    /// Link each to the request's own token.
    /// </param>
    public ChannelReader<GenerationEvent> Submit(GenerationRequest request, CancellationToken cancellationToken, IReadOnlyList<CancellationToken>? choiceCancellations = null)
    {
        if (request.Prompt.Length == 0)
        {
            throw new ArgumentException("the prompt is empty");
        }

        if (request.N is < 1 or > GenerationRequest.MaxChoices)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.N, $"n must be 1 to {GenerationRequest.MaxChoices}");
        }

        if (choiceCancellations is not null && choiceCancellations.Count != request.N)
        {
            throw new ArgumentException($"{choiceCancellations.Count} choice cancellations for {request.N} choices", nameof(choiceCancellations));
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
        var group = request.N > 1 ? new ChoiceGroup(request.N) : null;
        var choices = new Sequence[request.N];
        for (var i = 0; i < choices.Length; i++)
        {
            var choice = i == 0 ? request : request with { Sampling = request.Sampling with { Seed = ChoiceGroup.SeedOf(request.Sampling.Seed, i) } };
            choices[i] = new Sequence(Interlocked.Increment(ref _nextId), choice, channel.Writer, choiceCancellations?[i] ?? cancellationToken) { Index = i, Group = group };
        }

        lock (_gate)
        {
            if (_waiting.Count >= Options.MaxWaiting)
            {
                foreach (var c in choices)
                {
                    EngineTelemetry.Finish(c.Trace, FinishReason.Error, 0, "queue full");
                }

                throw new QueueFullException(_waiting.Count);
            }

            foreach (var c in choices)
            {
                _waiting.AddLast(c);
            }

            Metrics.Waiting = _waiting.Count;
        }

        foreach (var c in choices)
        {
            c.Registration = c.Cancellation.Register(Wake);
        }

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

        lock (_gate)
        {
            // The step is back: the blocks it filled hold their K/V now and may be shared.
            foreach (var (sequence, _, chunk) in batch)
            {
                CacheComputed(sequence, sequence.Computed + chunk);
            }
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
            FollowKvGeneration();

            // Running sequences not in flight, decodes and unfinished prefills, oldest first; preempt from the newest
            // idle one when out of blocks (a sequence in flight keeps its blocks: a step is writing them).
            for (var i = 0; i < _running.Count && budget > 0 && batch.Count < seats; i++)
            {
                var s = _running[i];
                if (s.InFlight)
                {
                    continue;
                }

                if (s.KvGeneration != _kvGeneration)
                {
                    // Its K/V were on ranks that are gone: recompute it from its tokens so far.
                    Preempt(s);
                    i--;
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

            // Admit waiting requests while blocks and budget allow (no preemption to admit), in order; a choice whose
            // first choice has not computed the prompt yet waits for it, the ones after it go on.
            for (var node = _waiting.First; node is not null && _running.Count < Options.MaxNumSeqs && budget > 0 && batch.Count < seats;)
            {
                var s = node.Value;
                if (s.Index > 0 && s.Group is { PromptReady: false })
                {
                    node = node.Next;
                    continue;
                }

                if (s.Blocks.Count == 0)
                {
                    StartFromCache(s);
                }

                var chunk = Math.Min(s.Tokens.Count - s.Computed, budget);
                if (!_blocks.TryAllocate(Math.Max(0, BlocksFor(s.Computed + chunk) - s.Blocks.Count), s.Blocks))
                {
                    // Waiting sequences hold no blocks: the cached ones it matched stay cached for when it fits. With
                    // nothing running, choices holding their first choice's blocks let go too, so the head can fit.
                    Unstart(s);
                    if (_running.Count == 0)
                    {
                        foreach (var w in _waiting)
                        {
                            Unstart(w);
                        }
                    }

                    break;
                }

                var next = node.Next;
                _waiting.Remove(node);
                node = next;
                _running.Add(s);
                s.KvGeneration = _kvGeneration;
                if (!s.Admitted)
                {
                    s.Admitted = true;
                    s.CachedTokens = s.Computed;
                    EngineTelemetry.Admitted(s.Trace);
                    if (s.Index == 0)
                    {
                        Metrics.AddPromptTokens(s.Request.Prompt.Length);
                        if (Options.PrefixCaching)
                        {
                            Metrics.AddPrefixCacheLookup(s.Request.Prompt.Length, Math.Min(s.Computed, s.Request.Prompt.Length));
                        }
                    }
                }

                batch.Add((s, Work(s, chunk), chunk));
                budget -= chunk;
            }

            foreach (var (sequence, _, _) in batch)
            {
                sequence.InFlight = true;
            }

            UpdateBlockMetrics();
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

    private static ExecutorSequence Work(Sequence s, int chunk)
    {
        var preceding = s.SendPreceding ? s.Tokens.GetRange(0, s.Computed).ToArray() : null;
        s.SendPreceding = false;
        return new(s.Id, s.Computed, s.Tokens.GetRange(s.Computed, chunk).ToArray(), s.Blocks.ToArray(), s.Request.Sampling, s.Request.Prompt.Length, Preceding: preceding);
    }

    private void Preempt(Sequence s)
    {
        _running.Remove(s);
        Unstart(s);
        _waiting.AddFirst(s);
        Metrics.AddPreemption();
    }

    /// <summary>Lets go of a sequence's blocks: it starts again from its tokens (and the cache) when admitted.</summary>
    private void Unstart(Sequence s)
    {
        _blocks.Release(s.Blocks);
        s.Computed = 0;
        s.Cached = 0;
        s.SendPreceding = false;
    }

    /// <summary>
    /// References the longest cached run of a sequence's full blocks (leaving at least its last token to compute, so the
    /// step has logits to sample from). With prefix caching off only the choices after a request's first look.
    /// </summary>
    private void StartFromCache(Sequence s)
    {
        if (!Options.PrefixCaching && (s.Group is null || s.Index == 0))
        {
            return;
        }

        var most = (s.Tokens.Count - 1) / Options.BlockSize;
        BlockHash.Extend(s.Hashes, _hashSeed, s.Tokens, Options.BlockSize, most);
        var matched = _blocks.Cache.Match(_hashSeed, s.Hashes, s.Tokens, Options.BlockSize, most, s.Blocks);
        s.Computed = matched * Options.BlockSize;
        s.Cached = matched;
        s.SendPreceding = s.Computed > 0;
    }

    /// <summary>
    /// Adds the full blocks below <paramref name="computed"/> to the cache (with caching off, only a first choice's, for its
    /// siblings); when that completes a first choice's prompt, its waiting siblings take their references at once.
    /// </summary>
    private void CacheComputed(Sequence s, int computed)
    {
        if (s.Finished || s.KvGeneration != _kvGeneration || (!Options.PrefixCaching && (s.Group is null || s.Index > 0)))
        {
            return;
        }

        var full = computed / Options.BlockSize;
        BlockHash.Extend(s.Hashes, _hashSeed, s.Tokens, Options.BlockSize, full);
        for (; s.Cached < full; s.Cached++)
        {
            var j = s.Cached;
            _blocks.Cache.TryAdd(s.Blocks[j], j == 0 ? _hashSeed : s.Hashes[j - 1], s.Hashes[j], s.Tokens.GetRange(j * Options.BlockSize, Options.BlockSize).ToArray());
        }

        if (s.Index == 0 && s.Group is { PromptReady: false } group && computed >= s.Request.Prompt.Length)
        {
            group.PromptReady = true;
            foreach (var sibling in _waiting.Where(w => w.Group == group && w.Blocks.Count == 0))
            {
                StartFromCache(sibling);
            }
        }
    }

    /// <summary>When the executor's ranks changed, their pools hold nothing: forget the cache, restart what waits on it.</summary>
    private void FollowKvGeneration()
    {
        var generation = _executor.KvGeneration;
        if (generation == _kvGeneration)
        {
            return;
        }

        _kvGeneration = generation;
        _blocks.ForgetCached();
        foreach (var w in _waiting)
        {
            Unstart(w);
        }
    }

    private void UpdateBlockMetrics()
    {
        Metrics.Running = _running.Count;
        Metrics.Waiting = _waiting.Count;
        Metrics.KvBlocksUsed = _blocks.Used;
        Metrics.KvBlocksFree = _blocks.Free;
        Metrics.KvBlocksCached = _blocks.Cache.Idle;
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
        s.Writer.TryWrite(new GenerationEvent(token, Logprobs: sampled.Logprobs, Index: s.Index));
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
            if (s.Group is { } group)
            {
                group.Open--;
                if (s.Index == 0)
                {
                    group.PromptReady = true;   // finished before computing the prompt: the other choices go on alone
                }
            }

            UpdateBlockMetrics();
        }

        await s.Registration.DisposeAsync();
        EngineTelemetry.Finish(s.Trace, reason, s.Generated, error);
        Metrics.RequestLatency.Observe(s.Clock.Elapsed.TotalSeconds);
        Metrics.AddFinished(reason);
        s.Writer.TryWrite(new GenerationEvent(-1, reason, error, Index: s.Index, CachedTokens: s.CachedTokens));
        if (s.Group is not { Open: > 0 })
        {
            s.Writer.TryComplete();
        }
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

        /// <summary>Choice index within its request (0 for a request of one choice).</summary>
        public int Index { get; init; }

        /// <summary>The request's choices when it asked for several; null for one.</summary>
        public ChoiceGroup? Group { get; init; }

        /// <summary>Hash chain of the full blocks of <see cref="Tokens"/>, as far as it was needed.</summary>
        public List<UInt128> Hashes { get; } = [];

        /// <summary>Leading blocks of <see cref="Blocks"/> that are in the prefix cache (or were offered to it).</summary>
        public int Cached { get; set; }

        /// <summary>Prompt tokens found in the cache at admission (reported in usage).</summary>
        public int CachedTokens { get; set; }

        /// <summary>Its next step must carry the tokens before its start: they came from the cache, not from its own steps.</summary>
        public bool SendPreceding { get; set; }

        /// <summary>The executor's KV generation its blocks were computed under.</summary>
        public long KvGeneration { get; set; }

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
