using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// What a pipeline stage's thread read while waiting for another step: activations, or the previous stage's notice that
/// a step failed there, in arrival order and at most <see cref="StageInbox.MaxPendingSteps"/>. The previous stage sends
/// steps in the order this rank runs them, so once a step is taken, everything that arrived before it belongs to steps
/// this rank has left (ones it failed before reading their input, or abandoned by a reset) and is dropped.
/// </summary>
internal sealed class KeptSteps
{
    private readonly object _gate = new();
    private readonly List<KeptStep> _kept = [];

    /// <summary>Keeps a step read ahead; when the backlog is full the peer is broken: its link is given up and the wait fails.</summary>
    public void Keep(KeptStep arrived, AdoptedLink link, FrameConnection connection)
    {
        lock (_gate)
        {
            if (_kept.Count < StageInbox.MaxPendingSteps)
            {
                _kept.Add(arrived);
                return;
            }
        }

        arrived.Dispose();
        var message = $"{connection.Peer} sent {StageInbox.MaxPendingSteps} steps this rank did not ask for; dropping it";
        link.Release(connection, message);
        throw new DataPlaneException(message);
    }

    /// <summary>The kept step, dropping everything that arrived before it; null when it has not arrived.</summary>
    public KeptStep? Take(long stepId)
    {
        lock (_gate)
        {
            var at = _kept.FindIndex(k => k.Step == stepId);
            if (at < 0)
            {
                return null;
            }

            var found = _kept[at];
            for (var i = 0; i < at; i++)
            {
                _kept[i].Dispose();
            }

            _kept.RemoveRange(0, at + 1);
            return found;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _kept.ForEach(k => k.Dispose());
            _kept.Clear();
        }
    }
}

/// <summary>One step's activations from the previous stage, or its notice that the step failed there.</summary>
internal sealed record KeptStep(long Step, torch.Tensor? Hidden, string? Failure) : IDisposable
{
    public torch.Tensor Result(long stepId) => Failure is not null
        ? throw new DataPlaneException($"step {stepId} failed on the previous stage: {Failure}")
        : Hidden!;

    public void Dispose() => Hidden?.Dispose();
}
