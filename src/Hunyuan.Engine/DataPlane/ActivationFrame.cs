using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// Activations on the wire: a 24-byte header (step, dtype, rows, columns) followed by the tensor's raw bytes, written
/// straight from the tensor's host copy and read straight into a new host tensor of the checked size.
/// </summary>
internal static class ActivationFrame
{
    public const int HeaderBytes = 8 + 4 + 4 + 4;

    public static int ElementSize(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float32 => 4,
        torch.ScalarType.BFloat16 or torch.ScalarType.Float16 => 2,
        _ => throw new InvalidDataException($"activations of dtype {dtype} are not carried (float32, bfloat16, float16 are)"),
    };

    public static ReadOnlyMemory<byte> Header(long stepId, torch.ScalarType dtype, long rows, long columns) =>
        new WireWriter().I64(stepId).I32((int)dtype).I32(checked((int)rows)).I32(checked((int)columns)).Written;

    /// <summary>Decodes and checks an activation frame against the hidden size this rank expects.</summary>
    public static (long StepId, torch.Tensor Hidden) Decode(byte[] payload, long hiddenSize, string peer)
    {
        var r = new WireReader(payload);
        var step = r.I64();
        var dtype = (torch.ScalarType)r.I32();
        var rows = r.I32();
        var columns = r.I32();
        var element = ElementSize(dtype);
        if (columns != hiddenSize || rows <= 0)
        {
            throw new InvalidDataException($"{peer} sent step {step} activations of [{rows}, {columns}]; this rank expects [rows, {hiddenSize}]");
        }

        var bytes = (long)rows * columns * element;
        if (r.Remaining != bytes)
        {
            throw new InvalidDataException($"{peer} sent step {step} activations of [{rows}, {columns}] {dtype} with {r.Remaining} bytes; that shape needs {bytes}");
        }

        var hidden = torch.empty([rows, columns], dtype, device: torch.CPU);
        r.Take((int)bytes).CopyTo(hidden.bytes);
        return (step, hidden);
    }
}
