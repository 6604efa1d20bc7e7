using Hunyuan.Engine.Collectives;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The receiving end of a pipeline link. The previous stage's connection is adopted here, and this rank's own thread
/// reads it when a step needs its activations: no reader task, no hand-off between threads, so the activations cost one
/// wake-up of the waiting rank (or none, when they arrived during its previous step). The previous stage sends its
/// steps in the order this rank runs them, so a frame read while waiting for step k is of a step this rank has left
/// (one it failed before reading its input, or one abandoned by a reset) unless step k's own frame was lost with a
/// broken connection; such frames are kept, at most <see cref="MaxPendingSteps"/>, and dropped once a later step is
/// taken. A lost connection fails the waiting receive at once (not after the timeout), and a later one unless the peer
/// connects again within <see cref="LinkHealth.ReconnectGrace"/>. Bad frames fail the waiting step, naming the peer and
/// the shape, before anything is allocated at a size the peer chose, and the connection is dropped.
/// </summary>
public sealed class StageInbox(long hiddenSize, long maxRows, TimeSpan timeout) : IStageInbound
{
    /// <summary>Frames of other steps kept while waiting; more means a broken peer.</summary>
    public const int MaxPendingSteps = 64;

    private readonly StageLinkReader _reader = new();

    public long MaxActivationBytes => StageLinks.MaxActivationBytes(hiddenSize, maxRows);

    public void Send(long stepId, torch.Tensor hidden) => throw new InvalidOperationException("a stage inbox only receives");

    public void SendFailure(long stepId, string reason) => throw new InvalidOperationException("a stage inbox only receives");

    public torch.Tensor Receive(long stepId) => _reader.Receive(stepId, timeout, "activations", (frame, connection, _) => Decode(frame, connection));

    /// <summary>
    /// Adopts the previous stage's connection: this rank's thread reads it from now on. Completes when the connection is
    /// given up (closed, broken, replaced by a newer one, or the rank unloads); the caller then closes it.
    /// </summary>
    public Task ServePeerAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        connection.MaxActivationBytes = MaxActivationBytes;
        return _reader.Link.Adopt(connection, cancellationToken);
    }

    /// <summary>Drops activations no step will take (after a reset of the ranks).</summary>
    public void Drain() => _reader.Clear();

    public void Dispose()
    {
        _reader.Link.Close("the rank is unloading");
        _reader.Clear();
    }

    internal static ReadOnlyMemory<byte> EncodeFailure(long stepId, string reason) => new WireWriter().I64(stepId).Str(reason).Written;

    private static (long Step, string Reason) DecodeFailure(byte[] payload)
    {
        var r = new WireReader(payload);
        var result = (r.I64(), r.Str());
        r.End();
        return result;
    }

    private KeptStep Decode(Frame frame, FrameConnection connection)
    {
        try
        {
            switch (frame.Kind)
            {
                case FrameKind.Activation:
                    var (step, hidden) = ActivationFrame.Decode(frame.Payload, hiddenSize, connection.Peer);
                    if (hidden.shape[0] > maxRows)
                    {
                        hidden.Dispose();
                        throw new InvalidDataException($"{connection.Peer} sent step {step} with {hidden.shape[0]} rows; a step has at most {maxRows}");
                    }

                    return new KeptStep(step, hidden, null);
                case FrameKind.StageFailure:
                    var (failed, reason) = DecodeFailure(frame.Payload);
                    return new KeptStep(failed, null, reason);
                default:
                    throw new InvalidDataException($"{connection.Peer} sent a {frame.Kind} frame on a pipeline link");
            }
        }
        catch (InvalidDataException ex)
        {
            _reader.Link.Release(connection, ex.Message);
            throw new DataPlaneException(ex.Message, ex);
        }
    }
}
