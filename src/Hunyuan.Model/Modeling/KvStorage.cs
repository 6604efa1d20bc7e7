using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// How a KV cache stores its entries: in the compute dtype, or in e4m3 with a scale per cache entry for U (keys)
/// and V (stored = value / scale, read = stored * scale).
/// </summary>
public sealed record KvStorage(torch.ScalarType StorageDType, torch.ScalarType ComputeDType, IReadOnlyList<double>? KeyScales, IReadOnlyList<double>? ValueScales)
{
    public static KvStorage Plain(torch.ScalarType dtype) => new(dtype, dtype, null, null);

    public bool IsQuantized => StorageDType != ComputeDType;

    public int BytesPerElement => IsQuantized ? 1 : (ComputeDType == torch.ScalarType.Float32 ? 4 : 2);
}
