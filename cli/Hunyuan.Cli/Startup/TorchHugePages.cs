using System.Globalization;
using System.Runtime.InteropServices;

namespace Hunyuan.Cli.Startup;

/// <summary>
/// Puts libtorch's large CPU blocks (2 MiB and more: a rank's weights, its KV cache) on transparent huge pages. libtorch
/// does so when THP_MEM_ALLOC_ENABLE=1 is in its environment at its first allocation: it advises each such block
/// MADV_HUGEPAGE, which the kernel's usual THP mode ("madvise") waits for before it backs anything with 2 MiB pages. With
/// 4 KiB pages a decode step walks the page tables for every 4 KiB of weights it streams; measured here, a CPU decode
/// step took up to about 0.93x as long, and loading and first touches of large blocks less time (BENCHMARKS.md). Set in
/// the native environment, where libc10 reads it, and only there: processes hyc starts decide for themselves. The
/// operator's own value wins (0 turns it off); nothing is set where the kernel has no THP or has it set to never.
/// </summary>
internal static class TorchHugePages
{
    public const string Variable = "THP_MEM_ALLOC_ENABLE";

    public const string KernelSetting = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>
    /// True for a compute command when the operator has not set <see cref="Variable"/> and the kernel's THP mode
    /// (<paramref name="kernelSetting"/>: the contents of <see cref="KernelSetting"/>, or null where it is absent) is not never.
    /// </summary>
    public static bool ShouldEnable(IReadOnlyList<string> args, Func<string, string?> environment, string? kernelSetting) =>
        ComputeCommands.Includes(args) && environment(Variable) is null && KernelAllows(kernelSetting);

    /// <summary>Sets <see cref="Variable"/> to 1 for libtorch. Should libc refuse, hyc runs on 4 KiB pages and <see cref="Active"/> says off.</summary>
    public static void Enable() => WithNative(Variable, name => WithNative("1", value => _ = SetNative(name, value, 0)));

    public static string? ReadKernelSetting()
    {
        try
        {
            return File.ReadAllText(KernelSetting);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"on" when libtorch in this process advises its large blocks onto huge pages and the kernel honours that, else "off".</summary>
    public static string Active =>
        WithNative(Variable, name => Marshal.PtrToStringUTF8(GetNative(name))) == "1" && KernelAllows(ReadKernelSetting()) ? "on" : "off";

    /// <summary>
    /// This process's memory advised onto huge pages (the mappings smaps flags "hg"): what libtorch asked for, whether or
    /// not the kernel found 2 MiB pages for it (a block reusing pages already faulted in stays on 4 KiB pages until the
    /// kernel collapses them). 0 where /proc/self/smaps is not readable.
    /// </summary>
    public static long AdvisedBytes() => ReadProc("/proc/self/smaps", ParseAdvisedBytes);

    /// <summary>This process's anonymous memory on huge pages now (AnonHugePages of /proc/self/smaps_rollup), 0 where that is not readable.</summary>
    public static long AnonHugePageBytes() => ReadProc("/proc/self/smaps_rollup", ParseAnonHugePageBytes);

    internal static long ParseAdvisedBytes(IEnumerable<string> smaps)
    {
        long total = 0, mappingKilobytes = 0;
        foreach (var line in smaps)
        {
            if (line.StartsWith("Size:", StringComparison.Ordinal))
            {
                mappingKilobytes = Kilobytes(line, "Size:");
            }
            else if (line.StartsWith("VmFlags:", StringComparison.Ordinal)
                && line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("hg"))
            {
                total += mappingKilobytes * 1024;
            }
        }

        return total;
    }

    internal static long ParseAnonHugePageBytes(IEnumerable<string> smapsRollup)
    {
        const string Field = "AnonHugePages:";
        return smapsRollup.FirstOrDefault(l => l.StartsWith(Field, StringComparison.Ordinal)) is { } line ? Kilobytes(line, Field) * 1024 : 0;
    }

    private static long Kilobytes(string line, string field) =>
        long.Parse(line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture);

    private static long ReadProc(string path, Func<IEnumerable<string>, long> parse)
    {
        try
        {
            return parse(File.ReadLines(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static bool KernelAllows(string? kernelSetting) =>
        kernelSetting is { Length: > 0 } && !kernelSetting.Contains("[never]", StringComparison.Ordinal);

    // libc copies what setenv is given, so each string lives only for its call.
    private static T WithNative<T>(string text, Func<IntPtr, T> use)
    {
        var native = Marshal.StringToCoTaskMemUTF8(text);
        try
        {
            return use(native);
        }
        finally
        {
            Marshal.FreeCoTaskMem(native);
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNative(IntPtr name, IntPtr value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetNative(IntPtr name);
}
