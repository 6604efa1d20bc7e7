using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// One sequence's KV cache in the true CLA layout (hunyuan-spec §2.3): one entry per self layer, shared by the
/// cross layers that follow it. An entry holds U = RoPE(k)/rms (with QK-norm; RoPE(k) without) and V, each
/// [kv_heads, capacity, head_dim], in the compute dtype or in e4m3 with a scale per entry. Each layer folds its own key_layernorm weight into q, so the pair's cross
/// layer reads the same U. Memory per token: cached layers x 2 x kv_heads x head_dim x element size.
/// </summary>
public sealed class KvCache : IKvCache
{
    private readonly torch.Tensor?[] _keys;
    private readonly torch.Tensor?[] _values;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly KvStorage _storage;
    private readonly int _claFactor;
    private readonly int _firstLayer;
    private readonly ComputeDevice _device;
    private int _capacity;

    /// <param name="config">The model config.</param>
    /// <param name="kvHeads">KV heads this cache holds (all of them, or a tensor-parallel rank's share).</param>
    /// <param name="storage">Storage dtype and, for e4m3, the per-entry scales.</param>
    /// <param name="firstLayer">First layer of the range this cache serves (a pipeline stage's start; a self layer).</param>
    /// <param name="layerCount">Number of layers in that range.</param>
    /// <param name="device">Where the entries live (the model's device); the CPU when null.</param>
    public KvCache(HunyuanConfig config, int kvHeads, KvStorage storage, int firstLayer = 0, int? layerCount = null, ComputeDevice? device = null)
    {
        _device = device ?? ComputeDevice.Cpu;
        var layers = layerCount ?? config.NumHiddenLayers;
        _claFactor = config.EffectiveClaFactor;
        if (!config.IsSelfLayer(firstLayer))
        {
            throw new ArgumentException($"a cache range must start on a self layer, not layer {firstLayer}", nameof(firstLayer));
        }

        _firstLayer = firstLayer;
        var entries = config.CacheEntries(layers);
        _keys = new torch.Tensor?[entries];
        _values = new torch.Tensor?[entries];
        _kvHeads = kvHeads;
        _headDim = config.HeadDim;
        _storage = storage;
    }

    /// <summary>Tokens whose K/V are committed.</summary>
    public int Length { get; private set; }

    public int EntryCount => _keys.Length;

    public long ResidentBytes => _keys.Concat(_values).Where(t => t is not null).Sum(t => t!.NumberOfElements * t.ElementSize);

    public int EntryOf(int layer) => (layer - _firstLayer) / _claFactor;

    /// <summary>Makes room for <paramref name="tokens"/> more positions; capacity doubles so decode rarely copies.</summary>
    public void Reserve(int tokens)
    {
        var need = Length + tokens;
        if (need <= _capacity)
        {
            return;
        }

        var capacity = Math.Max(need, Math.Max(16, _capacity * 2));
        for (var e = 0; e < _keys.Length; e++)
        {
            _keys[e] = Grow(_keys[e], capacity);
            _values[e] = Grow(_values[e], capacity);
        }

        _capacity = capacity;
    }

    /// <summary>Writes the new tokens' U and V ([kv_heads, T, D]) at positions Length..Length+T of an entry.</summary>
    public void Write(int entry, torch.Tensor u, torch.Tensor v)
    {
        var t = u.shape[1];
        using var kDst = _keys[entry]!.narrow(1, Length, t);
        using var vDst = _values[entry]!.narrow(1, Length, t);
        if (!_storage.IsQuantized)
        {
            kDst.copy_(u);
            vDst.copy_(v);
            return;
        }

        using var uScaled = u / _storage.KeyScales![entry];
        using var vScaled = v / _storage.ValueScales![entry];
        kDst.copy_(uScaled.clamp_(-448, 448));
        vDst.copy_(vScaled.clamp_(-448, 448));
    }

    /// <summary>U and V of an entry over the committed tokens plus <paramref name="pending"/> just written ones.</summary>
    public (torch.Tensor U, torch.Tensor V) Read(int entry, int pending)
    {
        var n = Length + pending;
        if (!_storage.IsQuantized)
        {
            return (_keys[entry]!.narrow(1, 0, n), _values[entry]!.narrow(1, 0, n));
        }

        using var k = _keys[entry]!.narrow(1, 0, n);
        using var v = _values[entry]!.narrow(1, 0, n);
        using var kUp = k.to(_storage.ComputeDType);
        using var vUp = v.to(_storage.ComputeDType);
        return (kUp * _storage.KeyScales![entry], vUp * _storage.ValueScales![entry]);
    }

    public void Commit(int tokens) => Length += tokens;

    /// <summary>Drops everything from position <paramref name="length"/> on (for recompute after preemption, or reuse).</summary>
    public void Truncate(int length) => Length = Math.Clamp(length, 0, Length);

    public void Dispose()
    {
        for (var e = 0; e < _keys.Length; e++)
        {
            _keys[e]?.Dispose();
            _values[e]?.Dispose();
            _keys[e] = _values[e] = null;
        }
    }

    private torch.Tensor Grow(torch.Tensor? old, int capacity)
    {
        var fresh = torch.zeros([_kvHeads, capacity, _headDim], dtype: _storage.StorageDType, device: _device.Torch).DetachFromDisposeScope();
        if (old is not null)
        {
            using var dst = fresh.narrow(1, 0, Length);
            using var src = old.narrow(1, 0, Length);
            dst.copy_(src);
            old.Dispose();
        }

        return fresh;
    }
}
