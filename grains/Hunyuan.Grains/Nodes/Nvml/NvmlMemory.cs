using System.Runtime.InteropServices;

namespace Hunyuan.Grains.Nodes.Nvml;

/// <summary>nvml.h's nvmlMemory_t: three unsigned long long byte counts, in this order (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlMemory
{
    public ulong Total;
    public ulong Free;
    public ulong Used;
}
