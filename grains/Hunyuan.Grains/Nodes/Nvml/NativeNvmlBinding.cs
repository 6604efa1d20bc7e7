using System.Runtime.InteropServices;
using System.Text;

namespace Hunyuan.Grains.Nodes.Nvml;

/// <summary>
/// libnvidia-ml.so.1, the driver's own library, loaded lazily with NativeLibrary.TryLoad: a host without the NVIDIA
/// driver simply gets null from <see cref="TryLoad"/> and the node falls back to nvidia-smi. Signatures follow nvml.h:
/// the _v2 entry points for init, count and handles; name and UUID into caller buffers of 96 bytes
/// (NVML_DEVICE_NAME_V2_BUFFER_SIZE, NVML_DEVICE_UUID_V2_BUFFER_SIZE).
/// </summary>
public sealed class NativeNvmlBinding : INvmlBinding
{
    public const string LibraryName = "libnvidia-ml.so.1";

    private const int StringBufferBytes = 96;

    private readonly InitFn _init;
    private readonly InitFn _shutdown;
    private readonly CountFn _count;
    private readonly HandleFn _handle;
    private readonly MemoryFn _memory;
    private readonly StringFn _name;
    private readonly StringFn _uuid;
    private readonly UtilizationFn _utilization;
    private readonly ErrorStringFn _errorString;

    private NativeNvmlBinding(nint library)
    {
        _init = Export<InitFn>(library, "nvmlInit_v2");
        _shutdown = Export<InitFn>(library, "nvmlShutdown");
        _count = Export<CountFn>(library, "nvmlDeviceGetCount_v2");
        _handle = Export<HandleFn>(library, "nvmlDeviceGetHandleByIndex_v2");
        _memory = Export<MemoryFn>(library, "nvmlDeviceGetMemoryInfo");
        _name = Export<StringFn>(library, "nvmlDeviceGetName");
        _uuid = Export<StringFn>(library, "nvmlDeviceGetUUID");
        _utilization = Export<UtilizationFn>(library, "nvmlDeviceGetUtilizationRates");
        _errorString = Export<ErrorStringFn>(library, "nvmlErrorString");
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int InitFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int CountFn(out uint count);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int HandleFn(uint index, out nint device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MemoryFn(nint device, out NvmlMemory memory);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int StringFn(nint device, [Out] byte[] buffer, uint length);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int UtilizationFn(nint device, out NvmlUtilization utilization);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint ErrorStringFn(int result);

    /// <summary>The binding, or null when the library (or one of its entry points) is not on this host.</summary>
    public static NativeNvmlBinding? TryLoad(string libraryName = LibraryName)
    {
        if (!NativeLibrary.TryLoad(libraryName, out var library))
        {
            return null;
        }

        try
        {
            return new NativeNvmlBinding(library);
        }
        catch (EntryPointNotFoundException)
        {
            NativeLibrary.Free(library);
            return null;
        }
    }

    public int Init() => _init();

    public int Shutdown() => _shutdown();

    public int GetCount(out uint count) => _count(out count);

    public int GetHandleByIndex(uint index, out nint device) => _handle(index, out device);

    public int GetMemoryInfo(nint device, out NvmlMemory memory) => _memory(device, out memory);

    public int GetName(nint device, out string name) => ReadString(_name, device, out name);

    public int GetUuid(nint device, out string uuid) => ReadString(_uuid, device, out uuid);

    public int GetUtilizationRates(nint device, out NvmlUtilization utilization) => _utilization(device, out utilization);

    public string ErrorString(int result) => Marshal.PtrToStringUTF8(_errorString(result)) ?? $"NVML error {result}";

    private static int ReadString(StringFn fn, nint device, out string text)
    {
        var buffer = new byte[StringBufferBytes];
        var result = fn(device, buffer, StringBufferBytes);
        var end = Array.IndexOf(buffer, (byte)0);
        text = result == 0 ? Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end) : "";
        return result;
    }

    private static T Export<T>(nint library, string name) where T : Delegate =>
        Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
}
