using System.Globalization;

namespace Hunyuan.Grains.Nodes;

/// <summary>
/// Parses `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,memory.free --format=csv,noheader,nounits`
/// (rows without the trailing memory.free, as older agents asked for, still parse).
/// Memory is in MiB; "[N/A]", "[Not Supported]" and the like become nulls. Lines that are not GPU rows (error text
/// printed to stdout, as nvidia-smi does when the driver is unhappy) are collected as errors, not fatal.
/// </summary>
public static class NvidiaSmiParser
{
    public static readonly string[] QueryArguments =
        ["--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,memory.free", "--format=csv,noheader,nounits"];

    public static (IReadOnlyList<GpuInfo> Gpus, IReadOnlyList<string> Errors) Parse(string output)
    {
        var gpus = new List<GpuInfo>();
        var errors = new List<string>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length is not (6 or 7) || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                errors.Add(line);
                continue;
            }

            var total = Number(fields[3]);
            gpus.Add(new GpuInfo(
                index,
                fields[1],
                fields[2],
                total is { } t ? (long)(t * 1024 * 1024) : 0,
                Number(fields[4]) is { } used ? (long)(used * 1024 * 1024) : null,
                Number(fields[5]) is { } util ? (int)util : null,
                Virtual: false,
                MemoryFreeBytes: fields.Length > 6 && Number(fields[6]) is { } free ? (long)(free * 1024 * 1024) : null));
        }

        return (gpus, errors);
    }

    private static double? Number(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
