using TorchSharp;

namespace Hunyuan.Model.Devices;

/// <summary>The CUDA facts of the libtorch this process loaded.</summary>
public sealed class TorchCudaRuntime : ICudaRuntime
{
    public static TorchCudaRuntime Instance { get; } = new();

    private TorchCudaRuntime()
    {
    }

    public bool IsAvailable => torch.cuda.is_available();

    public int DeviceCount => IsAvailable ? torch.cuda.device_count() : 0;
}
