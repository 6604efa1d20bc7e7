using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>
/// Passes steps to a real executor, counting the positions each computes: prompt positions (what a prefix hit saves)
/// and all of them. Its KV generation can be bumped, as a cluster executor's is when its ranks are replaced.
/// </summary>
internal sealed class CountingExecutor(IStepExecutor inner) : IStepExecutor
{
    private readonly object _gate = new();
    private readonly List<ExecutorSequence> _seen = [];

    public int PipelineDepth => inner.PipelineDepth;

    public long KvGeneration { get; set; }

    /// <summary>Positions computed that were prompt positions (below the sequence's prompt length).</summary>
    public int PromptPositions
    {
        get
        {
            lock (_gate)
            {
                return _seen.Sum(s => Math.Max(0, Math.Min(s.PromptLength, s.StartPosition + s.TokenIds.Length) - s.StartPosition));
            }
        }
    }

    /// <summary>Every work item handed over so far, in order.</summary>
    public IReadOnlyList<ExecutorSequence> Seen
    {
        get
        {
            lock (_gate)
            {
                return _seen.ToList();
            }
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _seen.Clear();
        }
    }

    /// <summary>
    /// When set, each step waits for a permit first, so a test that hands out permits as it reads events keeps the
    /// scheduler from running ahead of it (a cancellation then lands while the request still has tokens to make).
    /// </summary>
    public SemaphoreSlim? StepPermits { get; set; }

    public async Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken)
    {
        if (StepPermits is { } permits)
        {
            await permits.WaitAsync(cancellationToken);
        }

        lock (_gate)
        {
            _seen.AddRange(batch);
        }

        return await inner.StepAsync(batch, cancellationToken);
    }

    public Task ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
}
