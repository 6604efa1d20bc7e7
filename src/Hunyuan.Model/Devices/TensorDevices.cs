using TorchSharp;

namespace Hunyuan.Model.Devices;

/// <summary>
/// Moving tensors between devices at the few places that must: sampling and routing decisions read on the host,
/// collectives and stage links combining tensors from ranks on different devices. Every helper returns a tensor the
/// caller owns and disposes; on the same device it is an alias, so the CPU path copies nothing.
/// </summary>
public static class TensorDevices
{
    public static bool SameDevice(torch.Tensor t, torch.Device device) =>
        t.device_type == device.type && (device.type == DeviceType.CPU || t.device_index == Math.Max(0, device.index));

    /// <summary>Whether <paramref name="t"/> lies in host memory, where reading its values needs no device synchronisation.</summary>
    public static bool IsHostMemory(torch.Tensor t) => t.device_type == DeviceType.CPU;

    /// <summary><paramref name="t"/> on <paramref name="device"/>: an alias when it is there already, else a copy.</summary>
    public static torch.Tensor On(torch.Tensor t, torch.Device device) => SameDevice(t, device) ? t.alias() : t.to(device);

    /// <summary><paramref name="t"/> in host memory (readable with <c>data&lt;T&gt;()</c> or <c>bytes</c>): one device-to-host copy off the CPU.</summary>
    public static torch.Tensor ToHost(torch.Tensor t) => On(t, torch.CPU);

    /// <summary>A tensor's values as longs on the host: one copy and one synchronisation on a GPU.</summary>
    public static long[] Longs(torch.Tensor t)
    {
        // data<T>() on a GPU tensor leaks a CPU copy in TorchSharp 0.107 (#1517): copy explicitly and dispose it.
        using var host = ToHost(t);
        return host.data<long>().ToArray();
    }
}
