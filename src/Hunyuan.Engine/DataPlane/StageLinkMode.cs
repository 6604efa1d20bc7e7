namespace Hunyuan.Engine.DataPlane;

/// <summary>The operator's setting for pipeline links (HYC_STAGE_LINK): NCCL where it applies, or always sockets.</summary>
public enum StageLinkMode
{
    /// <summary>NCCL between GPUs on different nodes when libnccl.so.2 loads; sockets otherwise.</summary>
    Auto,

    /// <summary>Sockets everywhere (to rule NCCL out while diagnosing).</summary>
    Socket,
}
