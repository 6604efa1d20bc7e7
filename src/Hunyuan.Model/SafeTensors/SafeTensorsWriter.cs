using System.Text;
using System.Text.Json;
using TorchSharp;

namespace Hunyuan.Model.SafeTensors;

/// <summary>Writes safetensors files. The file appears under its name only when complete (written aside, then renamed).</summary>
public static class SafeTensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = metadata;
        }

        long offset = 0;
        var contiguous = new List<torch.Tensor>(list.Count);
        foreach (var (name, tensor) in list)
        {
            var c = tensor.contiguous();
            contiguous.Add(c);
            var bytes = c.NumberOfElements * c.ElementSize;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = SafeTensorDTypes.FromScalarType(c.dtype).ToString(),
                ["shape"] = c.shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }

        var json = JsonSerializer.Serialize(header);
        var pad = (8 - (Encoding.UTF8.GetByteCount(json) % 8)) % 8;
        var headerBytes = Encoding.UTF8.GetBytes(json + new string(' ', pad));

        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(BitConverter.GetBytes((long)headerBytes.Length));
                fs.Write(headerBytes);
                foreach (var c in contiguous)
                {
                    WriteTensorBytes(fs, c);
                }
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
            {
                File.Delete(tmp);
            }

            for (var i = 0; i < contiguous.Count; i++)
            {
                if (!ReferenceEquals(contiguous[i], list[i].Value))
                {
                    contiguous[i].Dispose();
                }
            }
        }
    }

    private static void WriteTensorBytes(Stream stream, torch.Tensor tensor)
    {
        const long maxChunk = 1L << 30;
        var bytes = tensor.NumberOfElements * tensor.ElementSize;
        if (bytes <= maxChunk || tensor.Dimensions == 0)
        {
            stream.Write(tensor.bytes);
            return;
        }

        var rows = tensor.shape[0];
        var rowsPerChunk = Math.Max(1, maxChunk / (bytes / rows));
        for (long r = 0; r < rows; r += rowsPerChunk)
        {
            using var part = tensor.narrow(0, r, Math.Min(rowsPerChunk, rows - r)).contiguous();
            stream.Write(part.bytes);
        }
    }
}
