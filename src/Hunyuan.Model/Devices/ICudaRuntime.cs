namespace Hunyuan.Model.Devices;

/// <summary>What this process's libtorch says about CUDA; an interface so the checks are testable without a GPU.</summary>
public interface ICudaRuntime
{
    /// <summary>False on the CPU build of libtorch, or when no driver or device is present.</summary>
    bool IsAvailable { get; }

    /// <summary>CUDA devices this process sees (after CUDA_VISIBLE_DEVICES); 0 when unavailable.</summary>
    int DeviceCount { get; }
}
