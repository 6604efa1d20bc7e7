using System.Diagnostics;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Build;

/// <summary>
/// bench/gpu-check.sh without a GPU: its list of what is missing (the libtorch it asks for follows the LibTorchSharp beside
/// HYC_DLL: 2.10 unless libLibTorchSharp.torch-version names another), and its dry run on the CPU.
/// </summary>
public sealed class GpuCheckScriptTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task WithoutAMarkerA211TorchIsListedAsTheWrongVersion()
    {
        var hyc = App(marker: null);
        var torch = FakePipTorch("2.11.0+cu130");

        var (code, output) = await RunAsync(hyc, torch);

        Assert.Equal(3, code);
        Assert.Contains("is libtorch '2.11.0+cu130', this hyc's LibTorchSharp needs 2.10.x", output, StringComparison.Ordinal);
        Assert.Contains("nvidia-smi", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMarkerMakesItAskForThatTorchAndRefuse210()
    {
        var hyc = App(marker: "2.11.0+cu130\n");

        var (accepted, acceptedOutput) = await RunAsync(hyc, FakePipTorch("2.11.0+cu130"));
        var (refused, refusedOutput) = await RunAsync(hyc, FakePipTorch("2.10.0+cu128"));

        Assert.Equal(3, accepted);
        Assert.DoesNotContain("HYC_LIBTORCH_DIR=", acceptedOutput, StringComparison.Ordinal);
        Assert.Equal(3, refused);
        Assert.Contains("is libtorch '2.10.0+cu128', this hyc's LibTorchSharp needs 2.11.x", refusedOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// GPU_CHECK_DEVICE=cpu: every command of the check with the flags it will use on a GPU, and the parsing of their
    /// output, so a GPU's few minutes are not lost to a renamed flag or JSON key. The figures are the CPU's, so no target
    /// is asserted; no command may fail to run.
    /// </summary>
    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task TheDryRunRunsEveryCommandOfTheCheckOnTheCpu()
    {
        var fixtures = Path.Combine(RepositoryPaths.Root(), "..", "shared", "fixtures");
        var home = Directory.CreateDirectory(Path.Combine(_dir.Path, "home")).FullName;

        var (code, output) = await RunAsync(new Dictionary<string, string>
        {
            ["GPU_CHECK_DEVICE"] = "cpu",
            ["HYC_DLL"] = Path.Combine(AppContext.BaseDirectory, "hyc.dll"),
            ["HYC_FIXTURES"] = fixtures,
            ["HYC_HOME"] = home,
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        }, TimeSpan.FromMinutes(8));
        var report = File.ReadAllText(Path.Combine(_dir.Path, "out", "gpu-check.txt"));

        Assert.True(code is 0 or 1, $"exit {code}:\n{output}");
        foreach (var fixture in new[] { "tiny-moe", "tiny-moe-bf16-sharded", "tiny-moe-fp8" })
        {
            Assert.Contains($"PASS fixture {fixture} on cpu: max |logit diff|", report, StringComparison.Ordinal);
        }

        Assert.Matches(@"deep narrow model on cpu: hyc [0-9.]+ us/layer, [0-9.]+ ops/layer, fused RMSNorm", report);
        Assert.Matches(@"each op alone on cpu: [0-9]+ calls per layer, floor [0-9.]+ us per layer, [0-9.]+ with the cheaper arrangement of each", report);
        Assert.Matches(@"slice: 4 layers, [0-9.]+ GB read per token", report);
        Assert.Matches(@"decode: [0-9.]+ tokens/s", report);
        Assert.Contains("SKIP TP2 over NCCL: one GPU", report, StringComparison.Ordinal);

        // Whether a ratio clears its GPU target is the CPU's timing here; that the benchmark ran and its JSON parsed is not.
        Assert.Contains("structured output on cpu", report, StringComparison.Ordinal);
        Assert.True(Figure(Path.Combine(_dir.Path, "out", "grammar.json"), "ratio") > 0);
        Assert.Contains("prefix cache on cpu", report, StringComparison.Ordinal);
        Assert.True(Figure(Path.Combine(_dir.Path, "out", "prefix.json"), "speedup") > 0);
        Assert.DoesNotContain("FAIL fixture", report, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL real-width slice", report, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL deep narrow model decode", report, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL hyc bench ops", report, StringComparison.Ordinal);
        Assert.Matches(@"gpu-check: [0-9]+ failure\(s\)", report);
    }

    // The last line of a benchmark's output that parses as JSON, and one number in it.
    private static double Figure(string path, string key)
    {
        var json = File.ReadAllLines(path).Last(l => l.StartsWith('{'));
        return System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty(key).GetDouble();
    }

    public void Dispose() => _dir.Dispose();

    private string App(string? marker)
    {
        var app = Directory.CreateDirectory(Path.Combine(_dir.Path, $"app-{Guid.NewGuid():N}")).FullName;
        File.WriteAllBytes(Path.Combine(app, "hyc.dll"), []);
        if (marker is not null)
        {
            File.WriteAllText(Path.Combine(app, "libLibTorchSharp.torch-version"), marker);
        }

        return Path.Combine(app, "hyc.dll");
    }

    private string FakePipTorch(string version)
    {
        var torch = Path.Combine(_dir.Path, $"site-{Guid.NewGuid():N}", "torch");
        Directory.CreateDirectory(Path.Combine(torch, "lib"));
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so", "libtorch_cuda.so" })
        {
            File.WriteAllBytes(Path.Combine(torch, "lib", name), []);
        }

        File.WriteAllText(Path.Combine(torch, "version.py"), $"__version__ = '{version}'\n");
        return torch;
    }

    // PATH without any nvidia-smi, so the run always stops at the list (exit 3) before it builds or starts anything.
    private Task<(int Code, string Output)> RunAsync(string hycDll, string torchDir) =>
        RunAsync(new Dictionary<string, string>
        {
            ["PATH"] = $"{Path.GetDirectoryName(Environment.ProcessPath)}:/usr/bin:/bin",
            ["HYC_DLL"] = hycDll,
            ["HYC_LIBTORCH_DIR"] = torchDir,
        }, TimeSpan.FromMinutes(1));

    private async Task<(int Code, string Output)> RunAsync(IReadOnlyDictionary<string, string> env, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryPaths.Root(), "bench", "gpu-check.sh"), Path.Combine(_dir.Path, "out")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bench/gpu-check.sh did not finish in {timeout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
