using Hunyuan.Grains.Ranks;

namespace Hunyuan.Grains.Deployments;

/// <summary>
/// Drives steps of a deployment through its rank grains: every rank gets the step's metadata (token ids, positions),
/// stage 0 computes from ids, later stages from their mailbox, and the last stage's first rank answers with one
/// token per sequence. Steps are serialized: every rank must see them in the same order, or collectives would pair
/// the wrong operations. A failed step resets every rank's sequences and mailboxes before the error propagates.
/// </summary>
public sealed class RankSetDriver(IGrainFactory grains, DeploymentLayout layout) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _step = DateTime.UtcNow.Ticks;

    public DeploymentLayout Layout => layout;

    public async Task<long[]> StepAsync(IReadOnlyList<SequenceWork> batch, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stepId = ++_step;
            var calls = Enumerable.Range(0, layout.WorldSize)
                .Select(r => grains.GetGrain<IRankGrain>(layout.RankKey(r)).StepAsync(stepId, batch, false))
                .ToArray();
            try
            {
                await Task.WhenAll(calls);
            }
            catch
            {
                await ResetAllAsync();
                throw;
            }

            var last = (layout.Pp - 1) * layout.Tp;
            return calls[last].Result.NextTokens ?? throw new InvalidOperationException($"rank {last} returned no tokens");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<long[]> GenerateAsync(long sequenceId, long[] prompt, int maxTokens, SamplingSpec sampling, CancellationToken cancellationToken = default)
    {
        var output = new List<long>(maxTokens);
        try
        {
            var next = (await StepAsync([new SequenceWork(sequenceId, 0, prompt, sampling, prompt.Length)], cancellationToken))[0];
            var position = prompt.Length;
            while (output.Count < maxTokens)
            {
                output.Add(next);
                if (output.Count == maxTokens)
                {
                    break;
                }

                next = (await StepAsync([new SequenceWork(sequenceId, position++, [next], sampling, prompt.Length)], cancellationToken))[0];
            }

            return output.ToArray();
        }
        finally
        {
            await ReleaseAsync(sequenceId);
        }
    }

    public Task ReleaseAsync(long sequenceId) =>
        Task.WhenAll(Enumerable.Range(0, layout.WorldSize).Select(r => grains.GetGrain<IRankGrain>(layout.RankKey(r)).ReleaseAsync(sequenceId)));

    public void Dispose() => _gate.Dispose();

    public async Task ResetAllAsync()
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, layout.WorldSize).Select(r => grains.GetGrain<IRankGrain>(layout.RankKey(r)).ReleaseAllAsync()));
        }
        catch (Exception)
        {
            // A rank that is gone cannot be reset; the deployment's supervision re-places it.
        }
    }
}
