using System.Runtime.CompilerServices;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// ncclUniqueId: 128 opaque bytes (NCCL_UNIQUE_ID_BYTES) that ncclCommInitRank takes by value. Only needed when ranks of
/// one group live in different processes; one process per node uses ncclCommInitAll and never makes one.
/// </summary>
[InlineArray(Size)]
public struct NcclUniqueId
{
    public const int Size = 128;

    private byte _element0;

    /// <summary>The id's bytes, to hand to the other rank (a grain call carries them).</summary>
    public readonly byte[] ToArray() => ((ReadOnlySpan<byte>)this).ToArray();

    /// <summary>An id from the bytes another rank made; anything but exactly <see cref="Size"/> bytes is refused.</summary>
    public static NcclUniqueId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"an NCCL unique id has {Size} bytes, not {bytes.Length}", nameof(bytes));
        }

        var id = default(NcclUniqueId);
        bytes.CopyTo(id);
        return id;
    }
}
