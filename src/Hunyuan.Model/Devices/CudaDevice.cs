using TorchSharp;

namespace Hunyuan.Model.Devices;

/// <summary>One CUDA device by its ordinal in this process (the N-th visible device when CUDA_VISIBLE_DEVICES is set).</summary>
public sealed record CudaDevice : ComputeDevice
{
    private torch.Device? _device;

    internal CudaDevice(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Index = index;
    }

    public int Index { get; }

    // Built on first use: constructing a torch.Device for CUDA initialises TorchSharp's CUDA backend, which a CPU
    // process that only parsed the option must not do.
    public override torch.Device Torch => _device ??= new torch.Device(DeviceType.CUDA, Index);

    public override bool IsCuda => true;

    public bool Equals(CudaDevice? other) => other is not null && other.Index == Index;

    public override int GetHashCode() => Index;

    public override string ToString() => $"cuda:{Index}";
}
