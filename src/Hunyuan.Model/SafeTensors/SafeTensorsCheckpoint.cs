using System.Text.Json;
using TorchSharp;

namespace Hunyuan.Model.SafeTensors;

/// <summary>
/// A model directory's weights: one <c>model.safetensors</c>, or shards listed by
/// <c>model.safetensors.index.json</c>. Every shard's header is checked when the checkpoint opens, so a missing
/// or truncated shard is reported before any weight is read.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafeTensorInfo> _tensors;
    private readonly Dictionary<string, SafeTensorsFile> _files;

    private SafeTensorsCheckpoint(string directory, string source, Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, SafeTensorsFile> files)
    {
        Directory = directory;
        Source = source;
        _tensors = tensors;
        _files = files;
    }

    public string Directory { get; }

    /// <summary>The file that lists the tensors: the index, or the single safetensors file.</summary>
    public string Source { get; }

    public IReadOnlyCollection<SafeTensorInfo> Tensors => _tensors.Values;

    public IReadOnlyCollection<SafeTensorsFile> Files => _files.Values;

    public long BytesRead => _files.Values.Sum(f => f.BytesRead);

    public long TotalTensorBytes => _tensors.Values.Sum(t => t.ByteLength);

    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, IndexFileName)) || File.Exists(Path.Combine(directory, SingleFileName));

    public static SafeTensorsCheckpoint Open(string directory)
    {
        var index = Path.Combine(directory, IndexFileName);
        if (File.Exists(index))
        {
            return OpenSharded(directory, index);
        }

        var single = Path.Combine(directory, SingleFileName);
        if (!File.Exists(single))
        {
            throw new CheckpointException(directory, null, $"no {SingleFileName} or {IndexFileName}");
        }

        var file = SafeTensorsFile.Open(single);
        var tensors = file.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        return new SafeTensorsCheckpoint(directory, single, tensors, new Dictionary<string, SafeTensorsFile> { [single] = file });
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public bool TryGet(string name, out SafeTensorInfo info) => _tensors.TryGetValue(name, out info!);

    public SafeTensorInfo Get(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Source, name, "missing from the checkpoint");

    /// <summary>Reads a tensor after checking its shape (and, when given, its dtype) against what the config implies.</summary>
    public torch.Tensor Read(string name, long[]? expectedShape = null, params SafeTensorDType[] allowedDTypes)
    {
        var info = Check(name, expectedShape, allowedDTypes);
        return _files[info.FilePath].Read(info);
    }

    public torch.Tensor ReadSlice(string name, long[]? expectedShape, int dim, long start, long length, params SafeTensorDType[] allowedDTypes)
    {
        var info = Check(name, expectedShape, allowedDTypes);
        return _files[info.FilePath].ReadSlice(info, dim, start, length);
    }

    public SafeTensorInfo Check(string name, long[]? expectedShape, params SafeTensorDType[] allowedDTypes)
    {
        var info = Get(name);
        if (expectedShape is not null && !info.Shape.SequenceEqual(expectedShape))
        {
            throw new CheckpointException(info.FilePath, name, $"shape {info.ShapeText}, expected [{string.Join(", ", expectedShape)}]");
        }

        if (allowedDTypes.Length > 0 && Array.IndexOf(allowedDTypes, info.DType) < 0)
        {
            throw new CheckpointException(info.FilePath, name, $"dtype {info.DType}, expected {string.Join(" or ", allowedDTypes)}");
        }

        return info;
    }

    public void Dispose()
    {
        foreach (var f in _files.Values)
        {
            f.Dispose();
        }
    }

    private static SafeTensorsCheckpoint OpenSharded(string directory, string index)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(index, null, "no weight_map object");
            }

            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CheckpointException(index, p.Name, "weight_map value is not a file name");
                }

                weightMap[p.Name] = p.Value.GetString()!;
            }
        }
        catch (JsonException ex)
        {
            throw new CheckpointException(index, null, $"not valid JSON: {ex.Message}");
        }

        var files = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, shard) in weightMap)
            {
                var shardPath = Path.Combine(directory, shard);
                if (!files.TryGetValue(shardPath, out var file))
                {
                    if (!File.Exists(shardPath))
                    {
                        throw new CheckpointException(index, name, $"its shard {shard} does not exist");
                    }

                    file = SafeTensorsFile.Open(shardPath);
                    files[shardPath] = file;
                }

                tensors[name] = file.TryGet(name, out var info)
                    ? info
                    : throw new CheckpointException(shardPath, name, $"listed in {IndexFileName} but not in this shard");
            }
        }
        catch
        {
            foreach (var f in files.Values)
            {
                f.Dispose();
            }

            throw;
        }

        return new SafeTensorsCheckpoint(directory, index, tensors, files);
    }
}
