using System.Globalization;

namespace Hunyuan.Model.Devices;

/// <summary>
/// What <c>--device</c> asks for: <c>cpu</c>; <c>cuda</c>, every rank on the CUDA device of its GPU slot (rank r of
/// a local run on cuda:r); or <c>cuda:N</c>, every rank on device N. Parsed once; ranks get a <see cref="ComputeDevice"/>.
/// </summary>
public sealed record DeviceRequest(bool Cuda, int? Index)
{
    public const string LibTorchHasNoCuda =
        "this hyc's libtorch has no CUDA (it is the CPU build): build with -p:TorchBackend=cuda or point HYC_LIBTORCH_DIR at a CUDA libtorch 2.10";

    public static DeviceRequest Cpu { get; } = new(false, null);

    /// <summary>Reads cpu, cuda or cuda:N (N a non-negative integer); the error names what was found and what is needed.</summary>
    public static bool TryParse(string? text, out DeviceRequest request, out string error)
    {
        request = Cpu;
        error = "";
        var t = text?.Trim().ToLowerInvariant() ?? "";
        if (t == "cpu")
        {
            return true;
        }

        if (t == "cuda")
        {
            request = new DeviceRequest(true, null);
            return true;
        }

        if (t.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            request = new DeviceRequest(true, index);
            return true;
        }

        error = $"--device '{text}' is not a device: use cpu, cuda or cuda:N (N a device index: 0, 1, ...)";
        return false;
    }

    /// <summary>The device of a rank on GPU slot <paramref name="slot"/>.</summary>
    public ComputeDevice ForSlot(int slot) => !Cuda ? ComputeDevice.Cpu : ComputeDevice.Cuda(Index ?? slot);

    /// <summary>
    /// Null when <paramref name="slots"/> ranks (on slots 0..slots-1) can run here, else one line saying why not. Run
    /// before anything is loaded.
    /// </summary>
    public string? Check(int slots, ICudaRuntime cuda)
    {
        ArgumentNullException.ThrowIfNull(cuda);
        if (!Cuda)
        {
            return null;
        }

        var text = Index is { } i ? $"cuda:{i}" : "cuda";
        if (!cuda.IsAvailable)
        {
            return $"--device {text}: {LibTorchHasNoCuda}";
        }

        var count = cuda.DeviceCount;
        if (Index is { } n && n >= count)
        {
            return $"--device {text}: this host has {Visible(count)}; the index must be below {count}";
        }

        if (Index is null && slots > count)
        {
            return $"--device cuda: {slots} ranks need GPU slots 0..{slots - 1}, this host has {Visible(count)}; lower --tp x --pp or put every rank on one device with --device cuda:N";
        }

        return null;
    }

    private static string Visible(int count) => count == 1 ? "1 CUDA device (cuda:0)" : $"{count} CUDA devices (cuda:0..cuda:{count - 1})";
}
