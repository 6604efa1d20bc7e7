using System.Globalization;
using Hunyuan.Engine.Collectives;
using TorchSharp;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Pipeline activations between ranks on any nodes: the sender cuts the hidden states into chunks and delivers
/// them to the next stage's rank grain; the receiver takes them from its own mailbox.
/// </summary>
public sealed class MailboxStageLink(IGrainFactory grains, string? peerKey, RankMailbox own, TimeSpan timeout) : IStageLink
{
    public static string Tag(long stepId) => string.Create(CultureInfo.InvariantCulture, $"pp|{stepId}");

    public void Send(long stepId, torch.Tensor hidden)
    {
        var peer = grains.GetGrain<IRankGrain>(peerKey ?? throw new InvalidOperationException("this link only receives"));
        foreach (var chunk in TensorCodec.Encode(Tag(stepId), hidden))
        {
            if (!peer.DeliverAsync(chunk).Wait(timeout))
            {
                throw new TimeoutException($"sending step {stepId} to {peerKey} timed out after {timeout.TotalSeconds:F0} s");
            }
        }
    }

    /// <summary>The rank set driver aborts every mailbox of a failed step itself.</summary>
    public void SendFailure(long stepId, string reason)
    {
    }

    public torch.Tensor Receive(long stepId)
    {
        var (dtype, shape, data) = own.Take(Tag(stepId), timeout);
        return TensorCodec.Decode(dtype, shape, data);
    }
}
