namespace Hunyuan.Engine.DataPlane;

/// <summary>Who opens a connection to a rank.</summary>
public enum DataPlaneRole : byte
{
    /// <summary>The lease holder's step driver (a serving endpoint, or the head's canary when no endpoint serves).</summary>
    Driver = 1,

    /// <summary>The previous pipeline stage's rank, sending activations.</summary>
    Peer = 2,

    /// <summary>A member of the rank's tensor-parallel group on another node, sending its parts of collectives.</summary>
    TensorPeer = 3,
}
