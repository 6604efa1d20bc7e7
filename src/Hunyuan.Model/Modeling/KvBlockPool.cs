using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// One rank's paged KV memory: for every cache entry (self layer) of its layer range, K and V pools of
/// [blocks, block_size, kv_heads, head_dim]. Sequences own blocks through block tables handed to them by the scheduler;
/// a slot is block * block_size + offset. Stored in the compute dtype, or e4m3 with per-entry scales.
/// </summary>
public sealed class KvBlockPool : IDisposable
{
    private readonly torch.Tensor[] _keys;
    private readonly torch.Tensor[] _values;

    public KvBlockPool(HunyuanConfig config, int kvHeads, KvStorage storage, int firstLayer, int layerCount, int blocks, int blockSize, ComputeDevice? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        Config = config;
        Storage = storage;
        FirstLayer = firstLayer;
        Blocks = blocks;
        BlockSize = blockSize;
        KvHeads = kvHeads;
        Device = device ?? ComputeDevice.Cpu;
        var entries = config.CacheEntries(layerCount);
        _keys = new torch.Tensor[entries];
        _values = new torch.Tensor[entries];
        // libtorch's CPU index_copy_/index_select have no float8 kernels: e4m3 pools are held as their raw bytes.
        var poolType = storage.IsQuantized ? torch.ScalarType.Byte : storage.StorageDType;
        for (var e = 0; e < entries; e++)
        {
            _keys[e] = torch.zeros([(long)blocks * blockSize, kvHeads, config.HeadDim], dtype: poolType, device: Device.Torch).DetachFromDisposeScope();
            _values[e] = torch.zeros([(long)blocks * blockSize, kvHeads, config.HeadDim], dtype: poolType, device: Device.Torch).DetachFromDisposeScope();
        }
    }

    public HunyuanConfig Config { get; }

    public KvStorage Storage { get; }

    public int FirstLayer { get; }

    public int Blocks { get; }

    public int BlockSize { get; }

    public int KvHeads { get; }

    /// <summary>Where the pools live; block-table indices are made there too.</summary>
    public ComputeDevice Device { get; }

    public int EntryCount => _keys.Length;

    public long ResidentBytes => _keys.Concat(_values).Sum(t => t.NumberOfElements * t.ElementSize);

    /// <summary>Keys and values of an entry, as [slots, kv_heads, head_dim].</summary>
    internal (torch.Tensor Keys, torch.Tensor Values) Entry(int entry) => (_keys[entry], _values[entry]);

    /// <summary>Rows in the compute dtype to the pool's storage (e4m3 bytes with the entry's scale, when quantized).</summary>
    internal torch.Tensor Store(torch.Tensor rows, double? scale)
    {
        if (!Storage.IsQuantized)
        {
            return rows.to(Storage.StorageDType);
        }

        using var scaled = rows / scale!.Value;
        using var clamped = scaled.clamp(-448, 448);
        using var fp8 = clamped.to(Storage.StorageDType).contiguous();
        return Reinterpret(fp8, torch.ScalarType.Byte);
    }

    /// <summary>Stored values (any layout) back in the compute dtype, contiguous.</summary>
    internal torch.Tensor Load(torch.Tensor stored, double? scale)
    {
        if (!Storage.IsQuantized)
        {
            return stored.contiguous();
        }

        using var raw = stored.contiguous();
        using var fp8 = Reinterpret(raw, Storage.StorageDType);
        using var up = fp8.to(Storage.ComputeDType);
        return up * scale!.Value;
    }

    // Same bytes, another one-byte dtype (TorchSharp has no dtype view). The bytes are reachable only in host memory, so
    // off the CPU this is a round trip through the host: a known cost of e4m3 KV pools on a GPU until a device-side
    // reinterpretation (a dtype view, or float8 index kernels) replaces it.
    private static torch.Tensor Reinterpret(torch.Tensor source, torch.ScalarType dtype)
    {
        using var host = TensorDevices.ToHost(source);
        var target = torch.empty(host.shape, dtype: dtype, device: torch.CPU);
        host.bytes.CopyTo(target.bytes);
        if (source.device_type == DeviceType.CPU)
        {
            return target;
        }

        using (target)
        {
            return target.to(source.device);
        }
    }

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values))
        {
            t.Dispose();
        }
    }
}
