using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Build;

/// <summary>The TorchBackend property's refusals: both stop the build within seconds, before anything compiles.</summary>
public sealed class TorchBackendTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task AnUnknownBackendIsAnErrorNamingTheThree()
    {
        using var dir = new TempDirectory();
        var (code, output) = await DotnetBuild.RunAsync(dir.File("build.log"), Timeout, "src/Hunyuan.Model/Hunyuan.Model.csproj", "-p:TorchBackend=rocm");

        Assert.NotEqual(0, code);
        Assert.Contains("error HYC0001: TorchBackend='rocm' is not one of: cpu", output, StringComparison.Ordinal);
        Assert.Contains("cuda (", output, StringComparison.Ordinal);
        Assert.Contains("external (", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CudaWithoutItsPackageFailsAtRestoreSayingWhatToDo()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (Directory.Exists(Path.Combine(packages, "libtorch-cuda-12.8-linux-x64", "2.10.0")))
        {
            // Restored here after all: the build would go on for minutes, and this test is about the machines without it.
            return;
        }

        using var dir = new TempDirectory();
        var (code, output) = await DotnetBuild.RunAsync(dir.File("build.log"), Timeout, "src/Hunyuan.Model/Hunyuan.Model.csproj", "-p:TorchBackend=cuda");

        Assert.NotEqual(0, code);
        Assert.Contains("warning HYC0002: TorchBackend=cuda needs the NuGet package libtorch-cuda-12.8-linux-x64 version 2.10.0", output, StringComparison.Ordinal);
        Assert.Contains("restore it where nuget.org is reachable", output, StringComparison.Ordinal);
        Assert.Contains("-p:TorchBackend=external and point HYC_LIBTORCH_DIR", output, StringComparison.Ordinal);
        Assert.Contains("NU1101", output, StringComparison.Ordinal);
        Assert.DoesNotContain("CoreCompile", output, StringComparison.Ordinal);
    }
}
