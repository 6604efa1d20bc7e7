namespace Hunyuan.Engine.DataPlane;

/// <summary>Who opens a connection to a rank.</summary>
public enum DataPlaneRole : byte
{
    /// <summary>The lease holder's step driver (a serving endpoint, or the head's canary when no endpoint serves).</summary>
    Driver = 1,

    /// <summary>The previous pipeline stage's rank, sending activations.</summary>
    Peer = 2,
}
