using System.Globalization;

namespace Hunyuan.Grains.Nodes;

/// <summary>
/// CUDA_VISIBLE_DEVICES applied to a probe's GPUs. NVML and nvidia-smi list every GPU of the host by its physical
/// index; CUDA numbers only the visible ones, in the variable's order. Filtering the report the same way makes a GPU's
/// position in the report its CUDA ordinal, which is how a rank on slot N becomes cuda:N. Entries are indices or UUID
/// prefixes (GPU-..., MIG-...); as in CUDA, an entry that matches nothing ends the list.
/// </summary>
public static class VisibleDevices
{
    public const string Variable = "CUDA_VISIBLE_DEVICES";

    /// <summary>The GPUs <paramref name="visible"/> lets a CUDA process use, in CUDA ordinal order; all of them when it is null.</summary>
    public static IReadOnlyList<GpuInfo> Filter(IReadOnlyList<GpuInfo> gpus, string? visible)
    {
        ArgumentNullException.ThrowIfNull(gpus);
        if (visible is null)
        {
            return gpus;
        }

        var result = new List<GpuInfo>();
        foreach (var raw in visible.Split(','))
        {
            var entry = raw.Trim();
            var match = int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? gpus.FirstOrDefault(g => g.Index == index)
                : entry.Length > 0 ? gpus.FirstOrDefault(g => g.Uuid.StartsWith(entry, StringComparison.OrdinalIgnoreCase)) : null;
            if (match is null || result.Contains(match))
            {
                break;
            }

            result.Add(match);
        }

        return result;
    }
}
