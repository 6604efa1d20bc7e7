using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// The one place a forward step creates tensors from host data (positions, slots, masks, lookup tables): placing
/// them on a device is a change here only. Also the in-place helper, because TorchSharp may hand back either the
/// receiver or a second handle to it, and only the second may be disposed.
/// </summary>
internal static class StepTensors
{
    public static torch.Tensor Int64(long[] values, torch.Device device) => torch.tensor(values, dtype: torch.ScalarType.Int64, device: device);

    public static torch.Tensor Bool(bool[] values, long[] shape, torch.Device device) => torch.tensor(values, shape, dtype: torch.ScalarType.Bool, device: device);

    /// <summary>Runs an in-place op on <paramref name="t"/> and releases any extra handle it returned.</summary>
    public static void InPlace(torch.Tensor t, Func<torch.Tensor, torch.Tensor> op)
    {
        var r = op(t);
        if (!ReferenceEquals(r, t))
        {
            r.Dispose();
        }
    }
}
