using System.Buffers.Binary;
using System.Text;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// Reads one frame's payload. Every length is checked against the bytes left before anything is allocated, so a peer
/// can never make this side allocate more than the frame it already sent (itself bounded).
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> payload)
{
    private ReadOnlySpan<byte> _rest = payload;

    public readonly int Remaining => _rest.Length;

    public byte U8() => Take(1)[0];

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double F64() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public string Str() => Encoding.UTF8.GetString(Take(Count(1)));

    public long[] I64s()
    {
        var n = Count(8);
        var values = new long[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = I64();
        }

        return values;
    }

    public ulong[] U64s()
    {
        var n = Count(8);
        var values = new ulong[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        }

        return values;
    }

    public int[] I32s()
    {
        var n = Count(4);
        var values = new int[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = I32();
        }

        return values;
    }

    /// <summary>A count of items of <paramref name="itemBytes"/> each that must fit in what is left of the frame.</summary>
    public int Count(int itemBytes)
    {
        var n = I32();
        if (n < 0 || (long)n * itemBytes > _rest.Length)
        {
            throw new InvalidDataException($"a frame declares {n} items of {itemBytes} bytes but has {_rest.Length} bytes left");
        }

        return n;
    }

    public ReadOnlySpan<byte> Take(int bytes)
    {
        if (bytes < 0 || bytes > _rest.Length)
        {
            throw new InvalidDataException($"a frame ended early: {bytes} bytes wanted, {_rest.Length} left");
        }

        var taken = _rest[..bytes];
        _rest = _rest[bytes..];
        return taken;
    }

    public readonly void End()
    {
        if (_rest.Length != 0)
        {
            throw new InvalidDataException($"a frame has {_rest.Length} unexpected bytes at its end");
        }
    }
}
