using System.Diagnostics;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Build;

/// <summary>
/// bench/gpu-check.sh's list of what is missing, which is all of it that can run without a GPU: the libtorch it asks for
/// follows the LibTorchSharp beside HYC_DLL (2.10 unless libLibTorchSharp.torch-version names another).
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
    private async Task<(int Code, string Output)> RunAsync(string hycDll, string torchDir)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryPaths.Root(), "bench", "gpu-check.sh"), Path.Combine(_dir.Path, "out")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = $"{Path.GetDirectoryName(Environment.ProcessPath)}:/usr/bin:/bin";
        start.Environment["HYC_DLL"] = hycDll;
        start.Environment["HYC_LIBTORCH_DIR"] = torchDir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
