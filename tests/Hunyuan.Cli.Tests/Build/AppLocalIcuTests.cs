using System.Diagnostics;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Agents;

namespace Hunyuan.Cli.Tests.Build;

/// <summary>
/// hyc starts on a host without libicu (a container image without it) from the ICU its bundle carries: run with the
/// system's ICU hidden (bind mounts over it in a mount namespace of the test's own), it fails fast as .NET does
/// without the bundle's library path, and starts with it.
/// </summary>
public sealed class AppLocalIcuTests
{
    [Fact]
    public async Task HycStartsWithTheBundlesIcuWhereTheHostHasNone()
    {
        using var root = new TempDirectory();
        var icu = IcuLibraries.OfThisProcess();
        Directory.CreateDirectory(Path.Combine(root.Path, IcuLibraries.BundleDirectory));
        foreach (var (path, soname) in icu)
        {
            File.Copy(path, Path.Combine(root.Path, IcuLibraries.BundleDirectory, soname));
        }

        var hide = string.Join("; ", icu.Select(l => $"mount --bind /dev/null '{l.Path}'"));
        var hyc = $"dotnet '{Path.Combine(AppContext.BaseDirectory, "hyc.dll")}' --version";

        var without = await RunAsync($"{hide}; {hyc}");
        var with = await RunAsync($"{hide}; env {IcuLibraries.LibraryPathAssignment(root.Path)} {hyc}");

        Assert.NotEqual(0, without.Code);
        Assert.Contains("ICU", without.Output, StringComparison.Ordinal);
        Assert.True(with.Code == 0, with.Output);
        Assert.Matches(@"^\d+\.\d+\.\d+", with.Output.Trim());
    }

    [Fact]
    public void HycNeverRunsWithInvariantGlobalization()
    {
        // Invariant mode skips the tokenizer's NFC step ("Cafe" + U+0301 would be 6 tokens, not 5): never on, and
        // never a silent fallback (.NET fails fast without ICU unless configured for it).
        var config = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hyc.runtimeconfig.json"));
        Assert.DoesNotContain("System.Globalization.Invariant\": true", config, StringComparison.Ordinal);
        Assert.DoesNotContain("PredefinedCulturesOnly", config, StringComparison.Ordinal);
        Assert.Equal("\u00e9", "e\u0301".Normalize(System.Text.NormalizationForm.FormC));
    }

    [Fact]
    public void TheMapsOfAProcessNameItsIcuBySoname()
    {
        string[] maps =
        [
            "7f1c2a000000-7f1c2a200000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libicudata.so.72.1",
            "7f1c2b000000-7f1c2b100000 r-xp 00000000 08:01 1235 /usr/lib/x86_64-linux-gnu/libicuuc.so.72.1",
            "7f1c2b100000-7f1c2b200000 r--p 00100000 08:01 1235 /usr/lib/x86_64-linux-gnu/libicuuc.so.72.1",
            "7f1c2c000000-7f1c2c100000 r-xp 00000000 08:01 1236 /opt/icu/lib/libicui18n.so.74",
            "7f1c2d000000-7f1c2d100000 r-xp 00000000 08:01 1237 /usr/lib/x86_64-linux-gnu/libicuio.so.72.1",
            "7ffd1000000-7ffd1021000 rw-p 00000000 00:00 0 [stack]",
        ];

        var found = IcuLibraries.FromMaps(maps);

        Assert.Equal(
            [("/usr/lib/x86_64-linux-gnu/libicuuc.so.72.1", "libicuuc.so.72"), ("/opt/icu/lib/libicui18n.so.74", "libicui18n.so.74"), ("/usr/lib/x86_64-linux-gnu/libicudata.so.72.1", "libicudata.so.72")],
            found);
        var missing = Assert.Throws<InvalidOperationException>(() => IcuLibraries.FromMaps(maps.Where(l => !l.Contains("libicudata", StringComparison.Ordinal))));
        Assert.Contains("libicudata", missing.Message, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(string script)
    {
        var psi = new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "sh", "-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
