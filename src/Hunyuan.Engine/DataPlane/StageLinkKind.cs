namespace Hunyuan.Engine.DataPlane;

/// <summary>How one pipeline link carries its activations.</summary>
public enum StageLinkKind
{
    /// <summary>Raw tensor bytes over the data plane's TCP connection (<see cref="StageOutbox"/>, <see cref="StageInbox"/>).</summary>
    Socket,

    /// <summary>NCCL point-to-point between the two GPUs, with notices on the TCP connection (<see cref="NcclStageSender"/>, <see cref="NcclStageReceiver"/>).</summary>
    Nccl,
}
