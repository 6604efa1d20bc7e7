using System.Diagnostics;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The previous stage's connection as a pipeline stage's own thread reads it, with what it read while waiting for
/// another step (activations, or the previous stage's notice that a step failed there) kept in arrival order, at most
/// <see cref="StageInbox.MaxPendingSteps"/>. The previous stage sends steps in the order this rank runs them, so once a
/// step is taken, everything that arrived before it belongs to steps this rank has left (ones it failed before reading
/// their input, or abandoned by a reset) and is dropped. Shared by the socket and the NCCL stage receivers.
/// </summary>
internal sealed class StageLinkReader
{
    private const string PeerName = "the previous stage";

    private readonly object _gate = new();
    private readonly List<KeptStep> _kept = [];

    /// <summary>The adopted connection (the data endpoint hands it over; unloading closes it).</summary>
    public AdoptedLink Link { get; } = new();

    /// <summary>
    /// Step <paramref name="stepId"/>'s activations, on the rank's thread: kept ones, else frames read from the link
    /// (through <paramref name="read"/>, given the frame, its connection and when the wait began) until the step's own;
    /// other steps' are kept. Throws the step's failure, a broken link, or a timeout naming <paramref name="what"/>.
    /// </summary>
    public torch.Tensor Receive(long stepId, TimeSpan timeout, string what, Func<Frame, FrameConnection, long, KeptStep> read)
    {
        if (Take(stepId) is { } kept)
        {
            return kept.Result(stepId);
        }

        var waitStarted = Stopwatch.GetTimestamp();
        var deadline = waitStarted + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var (frame, connection) = Link.Next(PeerName, waitStarted, deadline, () => $"waited {timeout.TotalSeconds:F0} s for step {stepId}'s {what} from {PeerName}; none came");
            var arrived = read(frame, connection, waitStarted);
            if (arrived.Step == stepId)
            {
                // Everything kept arrived before it, so belongs to steps this rank has left.
                Clear();
                return arrived.Result(stepId);
            }

            Keep(arrived, connection);
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

    // When the backlog is full the peer is broken: its link is given up and the wait fails.
    private void Keep(KeptStep arrived, FrameConnection connection)
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
        Link.Release(connection, message);
        throw new DataPlaneException(message);
    }

    // The kept step, dropping everything that arrived before it; null when it has not arrived.
    private KeptStep? Take(long stepId)
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
}

/// <summary>One step's activations from the previous stage, or its notice that the step failed there.</summary>
internal sealed record KeptStep(long Step, torch.Tensor? Hidden, string? Failure) : IDisposable
{
    public torch.Tensor Result(long stepId) => Failure is not null
        ? throw new DataPlaneException($"step {stepId} failed on the previous stage: {Failure}")
        : Hidden!;

    public void Dispose() => Hidden?.Dispose();
}
