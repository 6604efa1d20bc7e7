using System.Globalization;

namespace Hunyuan.Shared;

/// <summary>
/// Sizes as people write them ("96GiB", "80 GB", "512MiB", "1.5TiB" or a byte count). Shared source, compiled into
/// the projects that read sizes, so the CLI, the planner and the host list accept exactly the same spellings.
/// </summary>
internal static class ByteSize
{
    private static readonly (string Suffix, double Factor)[] Units =
    [
        ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
        ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1),
    ];

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim().Replace(" ", "", StringComparison.Ordinal);
        foreach (var (suffix, factor) in Units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                if (double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0)
                {
                    bytes = (long)(v * factor);
                    return true;
                }

                return false;
            }
        }

        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out bytes) && bytes > 0;
    }
}
