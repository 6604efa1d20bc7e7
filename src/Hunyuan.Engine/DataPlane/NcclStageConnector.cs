using Hunyuan.Engine.Collectives.Nccl;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// How this rank joins NCCL stage links: as the sender to the next stage (it makes each generation's unique id and
/// publishes it) or as the receiver from the previous stage (it fetches the id the sender published, in a cluster by
/// a grain call to the sending rank's grain). Tests pass a CPU stand-in transport instead.
/// </summary>
/// <param name="Device">This rank's device, where received activations are allocated.</param>
/// <param name="AsSender">Joins generation g as NCCL rank 0.</param>
/// <param name="AsReceiver">Joins generation g as NCCL rank 1.</param>
public sealed record NcclStageConnector(torch.Device Device, Func<int, INcclPointToPoint> AsSender, Func<int, INcclPointToPoint> AsReceiver)
{
    /// <summary>
    /// The real transports on cuda:<paramref name="gpu"/>: the sender makes an id per generation and publishes it in
    /// <paramref name="published"/>; the receiver asks <paramref name="fetchId"/> (which may wait for the sender).
    /// </summary>
    public static NcclStageConnector Nccl(NcclLibrary nccl, int gpu, NcclLinkIds published, Func<int, NcclUniqueId> fetchId, TimeSpan timeout) => new(
        new torch.Device(DeviceType.CUDA, gpu),
        generation =>
        {
            var id = nccl.GetUniqueId();
            published.Publish(generation, id);
            return NcclPointToPoint.Connect(nccl, gpu, id, rank: 0, timeout);
        },
        generation => NcclPointToPoint.Connect(nccl, gpu, fetchId(generation), rank: 1, timeout));
}
