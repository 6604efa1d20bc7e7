namespace Hunyuan.Engine.DataPlane;

/// <summary>Constants of the data-plane wire format (little-endian throughout).</summary>
public static class DataPlaneProtocol
{
    /// <summary>"HYDP": the first four bytes of every hello, so a stray client is dropped at once.</summary>
    public const uint Magic = 0x50445948;

    public const ushort Version = 3;

    /// <summary>A frame header: kind (1 byte) and payload length (4 bytes).</summary>
    public const int HeaderBytes = 5;

    /// <summary>
    /// The largest control frame (hello, step, result, release) accepted: a step of 64 sequences with 4,096-block tables is
    /// far below it. Activation frames have their own bound, computed from the model's hidden size.
    /// </summary>
    public const int MaxControlFrameBytes = 16 << 20;
}
