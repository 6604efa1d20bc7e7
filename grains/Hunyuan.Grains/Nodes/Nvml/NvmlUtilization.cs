using System.Runtime.InteropServices;

namespace Hunyuan.Grains.Nodes.Nvml;

/// <summary>nvml.h's nvmlUtilization_t: two unsigned ints, percent of the last sample period (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NvmlUtilization
{
    public uint Gpu;
    public uint Memory;
}
