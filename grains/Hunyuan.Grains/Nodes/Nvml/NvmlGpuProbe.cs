namespace Hunyuan.Grains.Nodes.Nvml;

/// <summary>
/// GPUs from NVML: name, UUID, total, used and free bytes and utilization, straight from the driver without starting
/// a process each heartbeat. NVML is initialised on the first probe and shut down on dispose. A failing call is
/// reported as the probe's error (a GPU whose utilization is not supported is still reported, without it). The list
/// is the GPUs this process can use, in CUDA ordinal order (<see cref="VisibleDevices"/>).
/// </summary>
public sealed class NvmlGpuProbe(INvmlBinding nvml, string? cudaVisibleDevices) : IGpuProbe, IDisposable
{
    private readonly object _gate = new();
    private bool _initialised;

    public Task<GpuProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(Probe());
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_initialised)
            {
                nvml.Shutdown();
                _initialised = false;
            }
        }
    }

    private GpuProbeResult Probe()
    {
        if (!_initialised)
        {
            var init = nvml.Init();
            if (init != 0)
            {
                return new GpuProbeResult([], $"nvmlInit_v2: {nvml.ErrorString(init)}");
            }

            _initialised = true;
        }

        var rc = nvml.GetCount(out var count);
        if (rc != 0)
        {
            return new GpuProbeResult([], $"nvmlDeviceGetCount_v2: {nvml.ErrorString(rc)}");
        }

        var gpus = new List<GpuInfo>((int)count);
        var errors = new List<string>();
        for (uint i = 0; i < count; i++)
        {
            if (Read(i, errors) is { } gpu)
            {
                gpus.Add(gpu);
            }
        }

        return new GpuProbeResult(VisibleDevices.Filter(gpus, cudaVisibleDevices), errors.Count > 0 ? string.Join("; ", errors) : null);
    }

    private GpuInfo? Read(uint index, List<string> errors)
    {
        string Fail(string call, int code) => $"GPU {index}: {call}: {nvml.ErrorString(code)}";
        var rc = nvml.GetHandleByIndex(index, out var device);
        if (rc != 0)
        {
            errors.Add(Fail("nvmlDeviceGetHandleByIndex_v2", rc));
            return null;
        }

        rc = nvml.GetMemoryInfo(device, out var memory);
        if (rc != 0)
        {
            errors.Add(Fail("nvmlDeviceGetMemoryInfo", rc));
            return null;
        }

        var name = nvml.GetName(device, out var n) == 0 ? n : "unknown";
        var uuid = nvml.GetUuid(device, out var u) == 0 ? u : "";

        // Utilization is optional: NVML_ERROR_NOT_SUPPORTED on some parts (MIG instances) is not a failure.
        int? utilization = nvml.GetUtilizationRates(device, out var util) == 0 ? (int)util.Gpu : null;
        return new GpuInfo((int)index, uuid, name, (long)memory.Total, (long)memory.Used, utilization, Virtual: false, MemoryFreeBytes: (long)memory.Free);
    }
}
