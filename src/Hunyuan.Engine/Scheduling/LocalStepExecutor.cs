using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// Steps an <see cref="ICausalLm"/> in this process (one model, or a <see cref="Execution.LocalRankSet"/> of ranks)
/// and samples each sequence's token from its last-position logits with its own parameters and history.
/// </summary>
public sealed class LocalStepExecutor(ICausalLm lm) : IStepExecutor
{
    private readonly Dictionary<long, List<long>> _histories = [];

    public async Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken)
    {
        var steps = batch.Select(b => new SequenceStep(b.SequenceId, b.StartPosition, b.TokenIds, b.BlockTable)).ToArray();
        using var logits = await lm.StepAsync(steps, LogitsMode.LastOfEachSegment, cancellationToken);
        var rows = new RowSampling[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var b = batch[i];
            var history = _histories.TryGetValue(b.SequenceId, out var h) && b.Preceding is null ? h : _histories[b.SequenceId] = [.. b.Preceding ?? []];
            if (b.StartPosition < history.Count)
            {
                history.RemoveRange(b.StartPosition, history.Count - b.StartPosition);
            }

            history.AddRange(b.TokenIds);
            rows[i] = new RowSampling(b.Sampling, history, b.PromptLength, b.StartPosition + b.TokenIds.Length, b.AllowedTokens);
        }

        // The logits stay on the last stage's device: one transfer to the host for the whole batch.
        return TokenSampler.SampleRows(logits, rows);
    }

    public async Task ReleaseAsync(long sequenceId)
    {
        _histories.Remove(sequenceId);
        await lm.ReleaseAsync(sequenceId);
    }
}
