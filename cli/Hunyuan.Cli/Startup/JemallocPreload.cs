using System.Runtime.InteropServices;

namespace Hunyuan.Cli.Startup;

/// <summary>
/// Runs hyc's compute commands (agent, serve, bench, model) on jemalloc when the host has it. libtorch allocates every
/// tensor's storage 64-byte aligned, which glibc serves through memalign, past its per-thread cache: on a decode step of
/// many small ops that was about a sixth of the host time, and jemalloc makes a step about 0.7-0.8x as long (BENCHMARKS.md).
/// An allocator has to be chosen before the process starts, so hyc re-executes itself once, in place (execve: the same
/// pid, arguments and open files, so a supervisor tracking the pid sees nothing change), with jemalloc in LD_PRELOAD.
/// HYC_MALLOC=system keeps glibc's.
/// </summary>
internal static class JemallocPreload
{
    public const string ModeVariable = "HYC_MALLOC";

    /// <summary>
    /// Set on the re-executed process, so it never re-executes again (a preload the loader ignored included); its value is
    /// the LD_PRELOAD the process started with, restored by <see cref="RestoreEnvironment"/>.
    /// </summary>
    public const string MarkerVariable = "HYC_MALLOC_PRELOADED";

    /// <summary>Where Debian, Ubuntu, RHEL and source builds put libjemalloc.so.2, in that order.</summary>
    public static readonly IReadOnlyList<string> Candidates =
        ["/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2", "/usr/local/lib/libjemalloc.so.2"];

    /// <summary>Whether this process has jemalloc mapped: "jemalloc", or "system" for glibc's allocator.</summary>
    public static string Active =>
        File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(l => l.Contains("/libjemalloc", StringComparison.Ordinal)) ? "jemalloc" : "system";

    /// <summary>
    /// The library to preload by re-executing, or null to run as is; <paramref name="error"/> names a bad
    /// <see cref="ModeVariable"/>.
    /// </summary>
    public static string? Decide(IReadOnlyList<string> args, Func<string, string?> environment, Func<string, bool> fileExists, out string? error)
    {
        error = null;
        var mode = environment(ModeVariable);
        if (mode is { Length: > 0 } && mode != "jemalloc" && mode != "system")
        {
            error = $"{ModeVariable}='{mode}' is not jemalloc (the default: used when the host has libjemalloc.so.2) or system";
            return null;
        }

        if (mode == "system" || !ComputeCommands.Includes(args) || environment(MarkerVariable) is not null
            || (environment("LD_PRELOAD") ?? "").Contains("jemalloc", StringComparison.Ordinal))
        {
            return null;
        }

        return Candidates.FirstOrDefault(fileExists);
    }

    /// <summary>Re-executes this process with <paramref name="library"/> preloaded; returns only if that fails (hyc then runs on glibc).</summary>
    public static void Reexecute(string library)
    {
        // The exact argv this process got (`hyc ...` or `dotnet hyc.dll ...`), read back rather than rebuilt; without a
        // readable /proc there is nothing to re-execute from, and hyc runs on glibc.
        string[] argv;
        try
        {
            argv = File.ReadAllText("/proc/self/cmdline").Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        if (argv.Length > 0 && argv[^1].Length == 0)
        {
            argv = argv[..^1];
        }

        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => (string)e.Key is not ("LD_PRELOAD" or MarkerVariable))
            .Select(e => $"{e.Key}={e.Value}")
            .Append("LD_PRELOAD=" + (Environment.GetEnvironmentVariable("LD_PRELOAD") is { Length: > 0 } existing ? library + ":" + existing : library))
            .Append(MarkerVariable + "=" + (Environment.GetEnvironmentVariable("LD_PRELOAD") ?? ""));
        // NUL-terminated UTF-8 strings and pointer arrays, each array ending in a null pointer, as execve(2) takes them.
        IntPtr[] Native(IEnumerable<string> strings) => [.. strings.Select(Marshal.StringToCoTaskMemUTF8), IntPtr.Zero];
        var path = Marshal.StringToCoTaskMemUTF8("/proc/self/exe");
        var nativeArgv = Native(argv);
        var nativeEnvironment = Native(environment);
        _ = Exec(path, nativeArgv, nativeEnvironment);

        // Still here: the exec failed; free what it would have taken with it.
        foreach (var p in nativeArgv.Concat(nativeEnvironment).Append(path))
        {
            Marshal.FreeCoTaskMem(p);
        }
    }

    /// <summary>
    /// In the re-executed process, once jemalloc is loaded: LD_PRELOAD back as it was and the marker gone, so what this
    /// process starts (ssh, docker, another hyc, which decides for itself) inherits the environment it would have.
    /// </summary>
    public static void RestoreEnvironment() => RestoreEnvironment(Environment.GetEnvironmentVariable, Environment.SetEnvironmentVariable);

    internal static void RestoreEnvironment(Func<string, string?> get, Action<string, string?> set)
    {
        if (get(MarkerVariable) is { } original)
        {
            set("LD_PRELOAD", original.Length > 0 ? original : null);
            set(MarkerVariable, null);
        }
    }

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Exec(IntPtr path, IntPtr[] argv, IntPtr[] envp);
}
