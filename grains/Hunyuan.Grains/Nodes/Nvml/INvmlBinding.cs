namespace Hunyuan.Grains.Nodes.Nvml;

/// <summary>
/// The NVML calls the probe makes, one method per C function; each returns nvmlReturn_t (0 = NVML_SUCCESS). An
/// interface so the mapping to <see cref="GpuInfo"/> is tested with a fake on machines without a driver.
/// </summary>
public interface INvmlBinding
{
    int Init();

    int Shutdown();

    int GetCount(out uint count);

    int GetHandleByIndex(uint index, out nint device);

    int GetMemoryInfo(nint device, out NvmlMemory memory);

    int GetName(nint device, out string name);

    int GetUuid(nint device, out string uuid);

    int GetUtilizationRates(nint device, out NvmlUtilization utilization);

    string ErrorString(int result);
}
