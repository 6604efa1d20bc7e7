using TorchSharp;

namespace Hunyuan.Model.Devices;

/// <summary>
/// Where one rank's tensors live: the host CPU or one CUDA device. Every tensor factory in the model and engine takes
/// <see cref="Torch"/>, so the same code runs on CPU in tests and on cuda:N on a GPU host. Parsed once at the edge
/// (<see cref="DeviceRequest"/>); nothing else compares device strings.
/// </summary>
public abstract record ComputeDevice
{
    private protected ComputeDevice()
    {
    }

    public static ComputeDevice Cpu { get; } = new CpuDevice();

    /// <summary>The CUDA device of ordinal <paramref name="index"/> as this process sees it (after CUDA_VISIBLE_DEVICES).</summary>
    public static ComputeDevice Cuda(int index) => new CudaDevice(index);

    /// <summary>The TorchSharp device handed to factories and <c>.to()</c>.</summary>
    public abstract torch.Device Torch { get; }

    public abstract bool IsCuda { get; }

    /// <summary>
    /// A host tensor (read from the checkpoint, or built on the host) on this device. On the CPU it is returned as it
    /// is, so the CPU path stays bit-for-bit what it was; otherwise it is copied once with <c>.to(device)</c> (never
    /// <c>.cuda(index)</c>, which picks the source's index in TorchSharp 0.107) and the host copy is freed.
    /// </summary>
    public torch.Tensor Adopt(torch.Tensor host)
    {
        if (!IsCuda)
        {
            return host;
        }

        using (host)
        {
            return host.to(Torch).DetachFromDisposeScope();
        }
    }

    /// <summary>"cpu" or "cuda:N", as <see cref="DeviceRequest.TryParse"/> reads it.</summary>
    public abstract override string ToString();
}
