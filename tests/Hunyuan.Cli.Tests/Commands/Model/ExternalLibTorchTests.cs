using System.Diagnostics;
using System.Globalization;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Native;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Remote;

namespace Hunyuan.Cli.Tests.Commands.Model;

/// <summary>
/// hyc built with -p:TorchBackend=external ships no libtorch and runs the golden fixture on one it is pointed at
/// (HYC_LIBTORCH_DIR): the CPU libtorch 2.10.0 from the NuGet cache, laid out as the libtorch zip unpacks.
/// </summary>
public sealed class ExternalLibTorchTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void TheVariableUpSetsIsTheOneHycReads() => Assert.Equal(LibTorchLoader.DirectoryVariable, BundleCommand.LibTorchDirVariable);

    [Fact]
    public async Task AHycThatCarriesItsOwnLibTorchRefusesAnotherAndExitsWithFileError()
    {
        using var dir = new TempDirectory();
        var lib = LibTorchZip(dir.Path, "2.10.0+cpu");

        var r = await HycRunner.AsProcess(new Dictionary<string, string> { ["HYC_LIBTORCH_DIR"] = lib, ["HYC_HOME"] = dir.File("home") }, RunTimeout, "model", "inspect", Fixtures.Path("tiny-moe"));

        Assert.True(r.ExitCode == ExitCodes.FileError, r.ToString());
        Assert.Contains("carries its own libtorch", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task AnExternalBuildShipsNoLibTorchAndRunsTheFixtureOnTheOneItIsGiven()
    {
        using var dir = new TempDirectory();
        var app = Path.Combine(dir.Path, "hyc");
        // Its own obj/external keeps it incremental across runs and apart from the cpu build's obj/.
        var (code, log) = await DotnetBuild.RunAsync(dir.File("build.log"), TimeSpan.FromMinutes(8), "cli/Hunyuan.Cli/Hunyuan.Cli.csproj", "-c", "Debug", "-p:TorchBackend=external", "-o", app, "-v:q");
        Assert.True(code == 0, $"dotnet build -p:TorchBackend=external failed:\n{log}");

        var natives = Directory.EnumerateFiles(app, "*", SearchOption.AllDirectories).Select(Path.GetFileName).OfType<string>().ToList();
        Assert.DoesNotContain(natives, LibTorchFiles.IsLibTorchNative);
        Assert.DoesNotContain(natives, n => n.StartsWith("libtorch_", StringComparison.Ordinal) || n.StartsWith("libc10", StringComparison.Ordinal) || n.StartsWith("libgomp", StringComparison.Ordinal));
        Assert.Contains("libLibTorchSharp.so", natives);
        Assert.Contains("libtorchsharp_glibcxx_shim.so", natives);

        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        var lib = LibTorchZip(dir.Path, "2.10.0+cpu");
        var logitsFile = dir.File("logits.safetensors");
        var env = new Dictionary<string, string> { ["HYC_LIBTORCH_DIR"] = lib, ["HYC_HOME"] = dir.File("home") };
        string[] run =
        [
            "model", "run", Fixtures.Path("tiny-moe"), "--ids", string.Join(",", golden.InputIds),
            "--generate", golden.GreedyIds.Length.ToString(CultureInfo.InvariantCulture), "--dtype", "float32", "--logits-out", logitsFile, "--json",
        ];

        var r = await HycRunner.AsProcessFrom(app, env, RunTimeout, run);

        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        Assert.Equal($"2.10.0+cpu from {lib}", r.Json().GetProperty("libtorch").GetString());
        Assert.Equal(golden.GreedyIds, r.Json().GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt64()));
        using (var file = SafeTensorsFile.Open(logitsFile))
        using (var logits = file.Read(file.Get("logits")))
        {
            var diff = (logits - golden.Logits).abs().max().item<float>();
            Assert.True(diff < 1e-3, $"logits on the external libtorch differ from the fixture by {diff:E3}");
        }

        // The same tree claiming another version: refused before anything loads, exit FileError, both versions named.
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(lib)!, "build-version"), "2.9.1+cpu\n");
        var refused = await HycRunner.AsProcessFrom(app, env, RunTimeout, run);
        Assert.True(refused.ExitCode == ExitCodes.FileError, refused.ToString());
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("libtorch 2.9.1+cpu", line, StringComparison.Ordinal);
        Assert.Contains("2.10", line, StringComparison.Ordinal);
    }

    /// <summary>PARENT/libtorch/lib with the NuGet package's natives (hard links: 480 MB not copied) and libtorch/build-version.</summary>
    private static string LibTorchZip(string parent, string version)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var natives = Path.Combine(packages, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native");
        var lib = Path.Combine(parent, "libtorch", "lib");
        Directory.CreateDirectory(lib);
        foreach (var file in Directory.GetFiles(natives))
        {
            var target = Path.Combine(lib, Path.GetFileName(file));
            if (!Link(file, target))
            {
                File.Copy(file, target);
            }
        }

        File.WriteAllText(Path.Combine(parent, "libtorch", "build-version"), version + "\n");
        return lib;
    }

    private static bool Link(string source, string target)
    {
        using var ln = Process.Start("ln", [source, target]);
        ln.WaitForExit();
        return ln.ExitCode == 0;
    }
}
