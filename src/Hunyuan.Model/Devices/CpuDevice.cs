using TorchSharp;

namespace Hunyuan.Model.Devices;

/// <summary>The host CPU: every tensor in host memory.</summary>
public sealed record CpuDevice : ComputeDevice
{
    internal CpuDevice()
    {
    }

    public override torch.Device Torch => torch.CPU;

    public override bool IsCuda => false;

    public override string ToString() => "cpu";
}
