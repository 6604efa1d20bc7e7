using System.Globalization;
using System.Text.RegularExpressions;

namespace Hunyuan.Engine.Planning;

/// <summary>
/// Memory bandwidth per device, the figure that bounds batch-1 decode (every active weight is read once per token).
/// Data-sheet HBM figures by GPU name; a virtual GPU is a slice of one CPU host whose memory all its ranks share.
/// </summary>
public static partial class GpuBandwidth
{
    /// <summary>
    /// A CPU host's effective weight-streaming rate: bf16 matmuls of 2048 x 2048 weights ran at 15-18 GB/s on these
    /// 2-core hosts (../shared/notes/gpu.md); shared by every virtual GPU of the host.
    /// </summary>
    public const double CpuHostBytesPerSecond = 20e9;

    private static readonly (Regex Pattern, double TbPerSecond)[] Table =
    [
        (H200(), 4.8),
        (H100(), 3.35),     // SXM; the PCIe card (2.0) is named "H100 PCIe"
        (H20(), 4.0),
        (A100(), 2.0),      // 80 GB
        (L40S(), 0.864),
    ];

    /// <summary>Bytes per second for a GPU name such as "NVIDIA H200" or "H100 80GB HBM3"; null when unknown or virtual.</summary>
    public static double? ForName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        if (PcieH100().IsMatch(name))
        {
            return 2.0e12;
        }

        foreach (var (pattern, tb) in Table)
        {
            if (pattern.IsMatch(name))
            {
                return tb * 1e12;
            }
        }

        return null;
    }

    /// <summary>Parses "4.8TB/s", "3350 GB/s", "4.8" (TB/s) into bytes per second.</summary>
    public static bool TryParse(string? text, out double bytesPerSecond)
    {
        bytesPerSecond = 0;
        var m = text is null ? null : Figure().Match(text.Trim());
        if (m is null || !m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return false;
        }

        var unit = m.Groups[2].Value.ToUpperInvariant();
        bytesPerSecond = value * (unit.StartsWith('G') ? 1e9 : unit.StartsWith('M') ? 1e6 : 1e12);
        return true;
    }

    [GeneratedRegex(@"\bH200\b", RegexOptions.IgnoreCase)]
    private static partial Regex H200();

    [GeneratedRegex(@"\bH100\b", RegexOptions.IgnoreCase)]
    private static partial Regex H100();

    [GeneratedRegex(@"\bH100\b.*\bPCIE\b", RegexOptions.IgnoreCase)]
    private static partial Regex PcieH100();

    [GeneratedRegex(@"\bH20\b", RegexOptions.IgnoreCase)]
    private static partial Regex H20();

    [GeneratedRegex(@"\bA100\b", RegexOptions.IgnoreCase)]
    private static partial Regex A100();

    [GeneratedRegex(@"\bL40S\b", RegexOptions.IgnoreCase)]
    private static partial Regex L40S();

    [GeneratedRegex(@"^([0-9]*\.?[0-9]+)\s*(TB/S|GB/S|MB/S|TB|GB|MB)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Figure();
}
