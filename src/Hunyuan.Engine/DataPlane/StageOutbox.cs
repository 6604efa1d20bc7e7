using Hunyuan.Engine.Collectives;
using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>The sending end of a pipeline link: this rank's connection to the next stage's rank.</summary>
public sealed class StageOutbox(DataPlaneHello hello, Func<string> peerEndpoint, TimeSpan timeout) : IStageLink, IDisposable
{
    private readonly PeerConnection _peer = new(hello, peerEndpoint, timeout);

    public void Send(long stepId, torch.Tensor hidden)
    {
        using var host = TensorDevices.ToHost(hidden);
        using var contiguous = host.contiguous();
        var header = ActivationFrame.Header(stepId, contiguous.dtype, contiguous.shape[0], contiguous.shape[1]);
        _peer.Write(c => c.Send(FrameKind.Activation, header.Span, contiguous.bytes));
    }

    /// <summary>The next stage fails the step on its own when unreachable, so this notice is best effort.</summary>
    public void SendFailure(long stepId, string reason)
    {
        var payload = StageInbox.EncodeFailure(stepId, reason);
        _peer.TryWrite(c => c.Send(FrameKind.StageFailure, payload.Span));
    }

    public torch.Tensor Receive(long stepId) => throw new InvalidOperationException("a stage outbox only sends");

    public void Dispose() => _peer.Dispose();
}
