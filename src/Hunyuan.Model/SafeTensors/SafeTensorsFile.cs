using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;

namespace Hunyuan.Model.SafeTensors;

/// <summary>
/// One memory-mapped safetensors file. Only the header is parsed up front; tensor bytes are copied out of the
/// mapping when asked for, whole or as a slice, so the pages a partition never touches are never read.
/// <see cref="BytesRead"/> counts the tensor bytes copied out, which is what a rank's load costs in I/O.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;
    private long _bytesRead;
    private bool _disposed;

    private SafeTensorsFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, Dictionary<string, SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _tensors = tensors;
        Metadata = metadata;
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
    }

    public string Path { get; }

    public long Length { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyCollection<SafeTensorInfo> Tensors => _tensors.Values;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public static SafeTensorsFile Open(string path)
    {
        var length = new FileInfo(path).Exists ? new FileInfo(path).Length : throw new CheckpointException(path, null, "file not found");
        if (length < 8)
        {
            throw new CheckpointException(path, null, $"truncated: {length} bytes, shorter than the 8-byte header length");
        }

        Dictionary<string, SafeTensorInfo> tensors;
        Dictionary<string, string> metadata;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Span<byte> lenBytes = stackalloc byte[8];
            fs.ReadExactly(lenBytes);
            var headerLength = BitConverter.ToInt64(lenBytes);
            if (headerLength <= 0 || headerLength > MaxHeaderBytes)
            {
                throw new CheckpointException(path, null, $"not a safetensors file: header length {headerLength} is out of range");
            }

            if (8 + headerLength > length)
            {
                throw new CheckpointException(path, null, $"truncated: the header needs {8 + headerLength} bytes, the file has {length}");
            }

            var header = new byte[headerLength];
            fs.ReadExactly(header);
            (tensors, metadata) = ParseHeader(path, header, 8 + headerLength, length);
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        return new SafeTensorsFile(path, length, map, view, tensors, metadata);
    }

    public bool TryGet(string name, out SafeTensorInfo info) => _tensors.TryGetValue(name, out info!);

    public SafeTensorInfo Get(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Path, name, "not in this file");

    /// <summary>Copies the whole tensor into a new CPU tensor of the stored dtype.</summary>
    public torch.Tensor Read(SafeTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tensor = torch.empty(info.Shape, info.DType.ToScalarType());
        CopyRows(tensor, info);
        Interlocked.Add(ref _bytesRead, info.ByteLength);
        return tensor;
    }

    /// <summary>
    /// Copies <paramref name="length"/> entries starting at <paramref name="start"/> along <paramref name="dim"/>
    /// (the rest of the tensor whole), reading only the bytes of that slice.
    /// </summary>
    public torch.Tensor ReadSlice(SafeTensorInfo info, int dim, long start, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (dim < 0 || dim >= info.Shape.Length)
        {
            throw new CheckpointException(Path, info.Name, $"cannot slice dim {dim} of a tensor of shape {info.ShapeText}");
        }

        if (start < 0 || length < 0 || start + length > info.Shape[dim])
        {
            throw new CheckpointException(Path, info.Name, $"slice [{start}, {start + length}) of dim {dim} is outside shape {info.ShapeText}");
        }

        var shape = (long[])info.Shape.Clone();
        shape[dim] = length;
        var tensor = torch.empty(shape, info.DType.ToScalarType());
        var elementSize = info.DType.ElementSize();
        long outer = 1;
        for (var i = 0; i < dim; i++)
        {
            outer *= info.Shape[i];
        }

        long inner = elementSize;
        for (var i = dim + 1; i < info.Shape.Length; i++)
        {
            inner *= info.Shape[i];
        }

        var runBytes = length * inner;
        var total = outer * runBytes;
        if (total > int.MaxValue)
        {
            throw new CheckpointException(Path, info.Name, $"a slice of {total} bytes is larger than one copy can take; slice it finer");
        }

        var dest = tensor.bytes;
        for (long o = 0; o < outer; o++)
        {
            var src = _base + info.DataStart + (((o * info.Shape[dim]) + start) * inner);
            new ReadOnlySpan<byte>(src, (int)runBytes).CopyTo(dest.Slice((int)(o * runBytes), (int)runBytes));
        }

        Interlocked.Add(ref _bytesRead, total);
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    // Tensors over 2 GiB do not fit one Span; they are filled a block of rows at a time.
    private void CopyRows(torch.Tensor tensor, SafeTensorInfo info)
    {
        const long maxChunk = 1L << 30;
        var src = _base + info.DataStart;
        if (info.ByteLength <= maxChunk || info.Shape.Length == 0)
        {
            new ReadOnlySpan<byte>(src, (int)info.ByteLength).CopyTo(tensor.bytes);
            return;
        }

        var rowBytes = info.ByteLength / info.Shape[0];
        var rowsPerChunk = Math.Max(1, maxChunk / rowBytes);
        for (long r = 0; r < info.Shape[0]; r += rowsPerChunk)
        {
            var n = Math.Min(rowsPerChunk, info.Shape[0] - r);
            var shape = (long[])info.Shape.Clone();
            shape[0] = n;
            using var part = torch.empty(shape, info.DType.ToScalarType());
            new ReadOnlySpan<byte>(src + (r * rowBytes), checked((int)(n * rowBytes))).CopyTo(part.bytes);
            using var target = tensor.narrow(0, r, n);
            target.copy_(part);
        }
    }

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataStart, long fileLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException(path, null, $"the header is not valid JSON: {ex.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(path, null, "the header is not a JSON object");
            }

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var m in entry.Value.EnumerateObject())
                        {
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                        }
                    }

                    continue;
                }

                tensors[entry.Name] = ParseEntry(path, entry.Name, entry.Value, dataStart, fileLength);
            }

            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseEntry(string path, string name, JsonElement e, long dataStart, long fileLength)
    {
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new CheckpointException(path, name, "header entry needs dtype, shape and data_offsets [begin, end]");
        }

        if (!SafeTensorDTypes.TryParse(dtypeEl.GetString()!, out var dtype))
        {
            throw new CheckpointException(path, name, $"unsupported dtype '{dtypeEl.GetString()}'");
        }

        var shape = new long[shapeEl.GetArrayLength()];
        var i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out shape[i]) || shape[i] < 0)
            {
                throw new CheckpointException(path, name, $"bad shape {shapeEl.GetRawText()}");
            }

            i++;
        }

        var begin = offEl[0].TryGetInt64(out var b) ? b : -1;
        var end = offEl[1].TryGetInt64(out var en) ? en : -1;
        var info = new SafeTensorInfo(name, dtype, shape, dataStart + begin, dataStart + end, path);
        if (begin < 0 || end < begin || info.ByteLength != info.ElementCount * dtype.ElementSize())
        {
            throw new CheckpointException(path, name, $"data_offsets [{begin}, {end}] do not hold {info.ShapeText} of {dtype}");
        }

        if (info.DataEnd > fileLength)
        {
            throw new CheckpointException(path, name, $"truncated: the tensor needs bytes up to {info.DataEnd}, the file has {fileLength}");
        }

        return info;
    }
}
