using System.Runtime.InteropServices;
using Hunyuan.Model.Native;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// RMSNorm's statistics as one call of aten::_fused_rms_norm (libtorch 2.10), which TorchSharp 0.107 does not bind. It
/// is reached through the C shim libtorch exports for ahead-of-time compiled models,
/// aoti_torch_{cpu,cuda}__fused_rms_norm, whose tensor handles are TorchSharp's own (at::Tensor pointers), so the result
/// is adopted with no copy. Called without a weight it returns x / rms(x) cast back to x's dtype: the reference's bits.
/// On CUDA that is one kernel instead of about eight; on the CPU libtorch runs the same ops inside (no faster, but one
/// call from .NET, and the path a GPU takes is the one every CPU test runs).
/// </summary>
public sealed unsafe class FusedRmsNormKernel : RmsNormKernel
{
    // AOTITorchError fn(AtenTensorHandle input, const int64_t* normalized_shape, int64_t len, AtenTensorHandle* weight,
    //                   double* eps, AtenTensorHandle* ret0, AtenTensorHandle* ret1): torch/csrc/inductor/aoti_torch/generated/c_shim_*.h
    private readonly delegate* unmanaged<IntPtr, long*, long, IntPtr*, double*, IntPtr*, IntPtr*, int> _fusedRmsNorm;
    private readonly delegate* unmanaged<IntPtr, int> _deleteTensor;

    private FusedRmsNormKernel(string symbol, IntPtr fusedRmsNorm, IntPtr deleteTensor)
    {
        Symbol = symbol;
        _fusedRmsNorm = (delegate* unmanaged<IntPtr, long*, long, IntPtr*, double*, IntPtr*, IntPtr*, int>)fusedRmsNorm;
        _deleteTensor = (delegate* unmanaged<IntPtr, int>)deleteTensor;
    }

    public override string Name => "fused";

    /// <summary>The export this kernel calls, e.g. aoti_torch_cpu__fused_rms_norm.</summary>
    public string Symbol { get; }

    /// <summary>
    /// The kernel for tensors of <paramref name="deviceType"/>: the shim from libtorch_cpu.so (CPU) or libtorch_cuda.so
    /// (CUDA) of the libtorch this process has loaded; null when that library is not loaded or lacks the export.
    /// </summary>
    public static FusedRmsNormKernel? TryResolve(DeviceType deviceType)
    {
        var (library, symbol) = deviceType switch
        {
            DeviceType.CPU => ("libtorch_cpu.so", "aoti_torch_cpu__fused_rms_norm"),
            DeviceType.CUDA => ("libtorch_cuda.so", "aoti_torch_cuda__fused_rms_norm"),
            _ => (null, null),
        };
        if (deviceType == DeviceType.CPU)
        {
            // Maps libtorch_cpu if nothing has touched torch yet (a CUDA tensor, by contrast, exists only once CUDA is loaded).
            torch.InitializeDeviceType(DeviceType.CPU);
        }

        if (library is null || symbol is null || LoadedLibTorch.TryOpen(library) is not { } handle)
        {
            return null;
        }

        // The delete entry point lives in libtorch_cpu for every device (the shim's common part).
        var common = deviceType == DeviceType.CPU ? handle : LoadedLibTorch.TryOpen("libtorch_cpu.so");
        return NativeLibrary.TryGetExport(handle, symbol, out var fused)
            && common is { } c && NativeLibrary.TryGetExport(c, "aoti_torch_delete_tensor_object", out var delete)
            ? new FusedRmsNormKernel(symbol, fused, delete)
            : null;
    }

    public override torch.Tensor Normalize(torch.Tensor x, double eps)
    {
        long normalized = x.shape[^1];
        IntPtr output, inverseRms;
        var error = _fusedRmsNorm(x.Handle, &normalized, 1, null, &eps, &output, &inverseRms);
        if (error != 0)
        {
            // libtorch has printed its exception to stderr; the shim only says that it failed.
            throw new InvalidOperationException($"{Symbol} failed (error {error}) on a {x.dtype} tensor of shape [{string.Join(", ", x.shape)}] on {x.device}");
        }

        _deleteTensor(inverseRms);
        return torch.Tensor.UnsafeCreateTensor(output);
    }
}
