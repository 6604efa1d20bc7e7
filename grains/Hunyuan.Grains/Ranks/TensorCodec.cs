using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Devices;
using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Tensors to and from mailbox chunks: dtype name, shape and raw little-endian bytes, cut at <see cref="MaxChunkBytes"/>.
/// Grain messages carry bytes, so a tensor on a GPU crosses the host here, on both ends: the unavoidable host hop of
/// collectives and stage links between nodes until NCCL replaces them.
/// </summary>
public static class TensorCodec
{
    /// <summary>4 MiB: far below Orleans' 100 MiB message limit, small enough not to stall other traffic on the connection.</summary>
    public const int MaxChunkBytes = 4 << 20;

    public static IReadOnlyList<TensorChunk> Encode(string tag, torch.Tensor tensor, int maxChunkBytes = MaxChunkBytes)
    {
        using var host = TensorDevices.ToHost(tensor);
        using var c = host.contiguous();
        var bytes = c.bytes.ToArray();
        var dtype = SafeTensorDTypes.FromScalarType(c.dtype).ToString();
        var shape = c.shape;
        var count = Math.Max(1, (bytes.Length + maxChunkBytes - 1) / maxChunkBytes);
        var chunks = new List<TensorChunk>(count);
        for (var i = 0; i < count; i++)
        {
            var start = i * maxChunkBytes;
            var length = Math.Min(maxChunkBytes, bytes.Length - start);
            chunks.Add(new TensorChunk(tag, i, count, dtype, shape, bytes.AsSpan(start, Math.Max(0, length)).ToArray()));
        }

        return chunks;
    }

    /// <summary>A host tensor from a message; the receiving rank moves it to its device.</summary>
    public static torch.Tensor Decode(string dtype, long[] shape, byte[] data)
    {
        if (!SafeTensorDTypes.TryParse(dtype, out var dt))
        {
            throw new InvalidDataException($"unknown dtype '{dtype}' in a tensor message");
        }

        var tensor = torch.empty(shape, dt.ToScalarType(), device: torch.CPU);
        if (tensor.NumberOfElements * tensor.ElementSize != data.Length)
        {
            tensor.Dispose();
            throw new InvalidDataException($"tensor message has {data.Length} bytes for shape [{string.Join(", ", shape)}] of {dtype}");
        }

        data.CopyTo(tensor.bytes);
        return tensor;
    }
}
