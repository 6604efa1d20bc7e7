using System.Runtime.InteropServices;
using TorchSharp;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// The address of a tensor's first element, view offset included (Storage.data_ptr() would ignore the offset).
/// TorchSharp 0.107 has no public data pointer, so this calls the LibTorchSharp export it uses internally.
/// </summary>
internal static partial class TensorPointers
{
    public static IntPtr DataPointer(torch.Tensor tensor) => THSTensor_data(tensor.Handle);

    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);
}
