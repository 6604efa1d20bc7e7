using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// One member's part of a collective on the wire: step, the collective's index within the step, dtype and shape
/// (1 to 3 dimensions), then the tensor's raw bytes. Decoding checks the shape against the layout's limits before
/// allocating anything.
/// </summary>
internal static class CollectivePartFrame
{
    public const int MaxDimensions = 3;

    public const int MaxHeaderBytes = 8 + 4 + 4 + 4 + (8 * MaxDimensions);

    public static ReadOnlyMemory<byte> Header(long stepId, int op, torch.ScalarType dtype, long[] shape)
    {
        var w = new WireWriter().I64(stepId).I32(op).I32((int)dtype).I32(shape.Length);
        foreach (var d in shape)
        {
            w.I64(d);
        }

        return w.Written;
    }

    public static (long StepId, int Op, torch.Tensor Part) Decode(byte[] payload, CollectiveLimits limits, string peer)
    {
        var r = new WireReader(payload);
        var step = r.I64();
        var op = r.I32();
        var dtype = (torch.ScalarType)r.I32();
        var rank = r.I32();
        if (rank is < 1 or > MaxDimensions)
        {
            throw new InvalidDataException($"{peer} sent step {step} collective {op} with {rank} dimensions; parts have 1 to {MaxDimensions}");
        }

        var shape = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            shape[i] = r.I64();
        }

        var columns = shape[^1];
        var rows = 1L;
        for (var i = 0; i < rank - 1; i++)
        {
            rows = shape[i] > 0 && shape[i] <= limits.MaxRows ? rows * shape[i] : long.MaxValue;
            if (rows > limits.MaxRows)
            {
                break;
            }
        }

        if (!limits.Columns.Contains(columns) || rows > limits.MaxRows)
        {
            throw new InvalidDataException(
                $"{peer} sent step {step} collective {op} of [{string.Join(", ", shape)}]; this group's parts have at most {limits.MaxRows} rows of width {string.Join(" or ", limits.Columns.Distinct())}");
        }

        var bytes = rows * columns * ActivationFrame.ElementSize(dtype);
        if (r.Remaining != bytes)
        {
            throw new InvalidDataException($"{peer} sent step {step} collective {op} of [{string.Join(", ", shape)}] {dtype} with {r.Remaining} bytes; that shape needs {bytes}");
        }

        var part = torch.empty(shape, dtype, device: torch.CPU);
        r.Take((int)bytes).CopyTo(part.bytes);
        return (step, op, part);
    }

    public static ReadOnlyMemory<byte> EncodeFailure(long stepId, string reason) => new WireWriter().I64(stepId).Str(reason).Written;

    public static (long StepId, string Reason) DecodeFailure(byte[] payload)
    {
        var r = new WireReader(payload);
        var result = (r.I64(), r.Str());
        r.End();
        return result;
    }
}
