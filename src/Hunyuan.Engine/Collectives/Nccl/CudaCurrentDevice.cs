using System.Runtime.InteropServices;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// Makes a CUDA device current on the calling thread, which ncclCommInitRank requires (it binds the communicator to the
/// current device). TorchSharp 0.107 binds no cudaSetDevice, and NCCL links the CUDA runtime statically, so this goes
/// through the driver API of libcuda.so.1 (present wherever the driver is): making a device's primary context current
/// is what cudaSetDevice does. Loaded on first use only. Not yet run on a GPU.
/// </summary>
public static unsafe class CudaCurrentDevice
{
    private static readonly Lazy<Driver?> Loaded = new(Driver.TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Makes cuda:<paramref name="ordinal"/> (as this process numbers it) current on this thread.</summary>
    public static void Set(int ordinal)
    {
        var driver = Loaded.Value ?? throw new NcclException("libcuda.so.1 (the CUDA driver) is not loadable; an NCCL link needs a GPU host");
        driver.MakeCurrent(ordinal);
    }

    private sealed class Driver
    {
        private readonly delegate* unmanaged<uint, int> _init;
        private readonly delegate* unmanaged<int*, int, int> _deviceGet;
        private readonly delegate* unmanaged<IntPtr*, int, int> _primaryCtxRetain;
        private readonly delegate* unmanaged<IntPtr, int> _ctxSetCurrent;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, IntPtr> _contexts = new();

        private Driver(IntPtr handle)
        {
            _init = (delegate* unmanaged<uint, int>)NativeLibrary.GetExport(handle, "cuInit");
            _deviceGet = (delegate* unmanaged<int*, int, int>)NativeLibrary.GetExport(handle, "cuDeviceGet");
            _primaryCtxRetain = (delegate* unmanaged<IntPtr*, int, int>)NativeLibrary.GetExport(handle, "cuDevicePrimaryCtxRetain");
            _ctxSetCurrent = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(handle, "cuCtxSetCurrent");
        }

        public static Driver? TryLoad() => NativeLibrary.TryLoad("libcuda.so.1", out var handle) ? new Driver(handle) : null;

        public void MakeCurrent(int ordinal) => Check(_ctxSetCurrent(_contexts.GetOrAdd(ordinal, Retain)), $"cuCtxSetCurrent({ordinal})");

        // The retained primary context is the one the CUDA runtime (libtorch's and NCCL's) uses for this device; it is
        // retained once per device and kept for the life of the process, as the runtime's own is.
        private IntPtr Retain(int ordinal)
        {
            Check(_init(0), "cuInit");
            int device;
            Check(_deviceGet(&device, ordinal), $"cuDeviceGet({ordinal})");
            IntPtr context;
            Check(_primaryCtxRetain(&context, device), $"cuDevicePrimaryCtxRetain({ordinal})");
            return context;
        }

        private static void Check(int result, string call)
        {
            if (result != 0)
            {
                throw new NcclException($"{call} failed with CUresult {result}");
            }
        }
    }
}
