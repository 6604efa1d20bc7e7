using System.Globalization;
using System.Runtime.CompilerServices;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// The whole test process gets a HYC_HOME of its own before any test runs, so neither in-process commands nor the hyc
/// processes tests start (which inherit it) ever read or write the real ~/.hyc of whoever runs the tests. Tests that
/// need a home of their own still pass one.
/// </summary>
internal static class PrivateHycHome
{
    private const string Prefix = "hyc-tests-home-";

    [ModuleInitializer]
    internal static void Initialize()
    {
        RemoveHomesOfEndedRuns(Path.GetTempPath());
        var home = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}"));
        Directory.CreateDirectory(home);
        Environment.SetEnvironmentVariable("HYC_HOME", home);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(home);
    }

    // The runner may kill the test host while its exit handler is still deleting (the built-in model's weights go
    // first, the rest stays): each run therefore also removes the homes whose process is gone.
    internal static void RemoveHomesOfEndedRuns(string root)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, Prefix + "*"))
        {
            var rest = Path.GetFileName(dir)[Prefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                TryDelete(dir);
            }
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
