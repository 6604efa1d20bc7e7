using System.Globalization;

namespace Hunyuan.Provisioning.Inventory;

/// <summary>"16GiB", "80GB", "512MiB" as bytes.</summary>
public static class Sizes
{
    public static long? Parse(string text)
    {
        var t = text.Trim().Replace(" ", "", StringComparison.Ordinal);
        (string Suffix, double Factor)[] units = [("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)];
        foreach (var (suffix, factor) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0)
            {
                return (long)(v * factor);
            }
        }

        return null;
    }
}
