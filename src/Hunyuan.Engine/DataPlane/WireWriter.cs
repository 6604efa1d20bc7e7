using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Hunyuan.Engine.DataPlane;

/// <summary>Builds one frame's payload: little-endian integers and doubles, length-prefixed strings and arrays.</summary>
internal sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    public WireWriter U8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public WireWriter I32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public WireWriter U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public WireWriter I64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public WireWriter F32(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public WireWriter F64(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public WireWriter Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
        return this;
    }

    public WireWriter Str(string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        I32(bytes);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(bytes));
        _buffer.Advance(bytes);
        return this;
    }

    public WireWriter I64s(ReadOnlySpan<long> values)
    {
        I32(values.Length);
        foreach (var v in values)
        {
            I64(v);
        }

        return this;
    }

    public WireWriter U64s(ReadOnlySpan<ulong> values)
    {
        I32(values.Length);
        foreach (var v in values)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), v);
            _buffer.Advance(8);
        }

        return this;
    }

    public WireWriter I32s(ReadOnlySpan<int> values)
    {
        I32(values.Length);
        foreach (var v in values)
        {
            I32(v);
        }

        return this;
    }
}
