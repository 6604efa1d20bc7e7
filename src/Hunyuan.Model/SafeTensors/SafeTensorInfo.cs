namespace Hunyuan.Model.SafeTensors;

/// <summary>One tensor's header entry. <see cref="DataStart"/> and <see cref="DataEnd"/> are absolute file offsets.</summary>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, long[] Shape, long DataStart, long DataEnd, string FilePath)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public long ByteLength => DataEnd - DataStart;

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
