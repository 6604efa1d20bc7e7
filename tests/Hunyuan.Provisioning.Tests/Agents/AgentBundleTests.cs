using Hunyuan.Provisioning.Agents;

namespace Hunyuan.Provisioning.Tests.Agents;

/// <summary>A bundle for hosts with a libtorch of their own: everything of hyc but the libtorch natives.</summary>
public sealed class AgentBundleTests : IDisposable
{
    private static readonly string[] LibTorch =
    [
        "libtorch.so", "libtorch_cpu.so", "libtorch_global_deps.so", "libtorch_python.so", "libtorchbind_test.so", "libc10.so",
        "libgomp-98b21ff3.so.1", "libshm.so", "libaoti_custom_ops.so", "libbackend_with_compiler.so", "libjitbackend_test.so",
        "libnnapi_backend.so", "libtorch_cuda.so", "libc10_cuda.so", "libcudnn.so.9", "libnvrtc-builtins.so.12.8", "libcublasLt.so.12",
    ];

    private static readonly string[] Kept = ["hyc.dll", "TorchSharp.dll", "libLibTorchSharp.so", "libtorchsharp_glibcxx_shim.so", "Hunyuan.Model.dll"];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hyc-bundle-" + Guid.NewGuid().ToString("N"));

    public AgentBundleTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public void WithoutLibTorchLeavesOutEveryLibTorchNativeAndKeepsTorchSharpsOwn()
    {
        var (app, root) = Tree();

        var full = AgentBundle.From(app, root, "10.0.1");
        var lean = AgentBundle.From(app, root, "10.0.1", withoutLibTorch: true);

        Assert.Equal(LibTorch.Concat(Kept).Order(StringComparer.Ordinal), AppFiles(full));
        Assert.Equal(Kept.Order(StringComparer.Ordinal), AppFiles(lean));
        Assert.Equal(full.Files.Count - LibTorch.Length, lean.Files.Count);
        Assert.True(lean.TotalBytes < full.TotalBytes);
        Assert.NotEqual(full.Id, lean.Id);
        Assert.DoesNotContain("libtorch_cpu.so", lean.Manifest, StringComparison.Ordinal);
    }

    [Fact]
    public void TheIcuLibrariesGoUnderIcuBySonameAndChangeTheId()
    {
        var (app, root) = Tree();
        var lib = Path.Combine(_dir, "libicuuc.so.72.1");
        File.WriteAllText(lib, "icu");

        var plain = AgentBundle.From(app, root, "10.0.1");
        var withIcu = AgentBundle.From(app, root, "10.0.1", icu: [(lib, "libicuuc.so.72")]);

        var entry = Assert.Single(withIcu.Files, f => f.RelativePath.StartsWith("icu/", StringComparison.Ordinal));
        Assert.Equal("icu/libicuuc.so.72", entry.RelativePath);
        Assert.Equal(lib, entry.LocalPath);
        Assert.NotEqual(plain.Id, withIcu.Id);
    }

    [Theory]
    [InlineData("libtorch_cpu.so", true)]
    [InlineData("libc10.so", true)]
    [InlineData("libgomp-98b21ff3.so.1", true)]
    [InlineData("libcudart.so.12", true)]
    [InlineData("libLibTorchSharp.so", false)]
    [InlineData("libtorchsharp_glibcxx_shim.so", false)]
    [InlineData("libtorch.txt", false)]
    [InlineData("TorchSharp.dll", false)]
    public void LibTorchNativesAreKnownByName(string name, bool libTorch) => Assert.Equal(libTorch, LibTorchFiles.IsLibTorchNative(name));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IEnumerable<string> AppFiles(AgentBundle bundle) =>
        bundle.Files.Where(f => f.RelativePath.StartsWith("app/", StringComparison.Ordinal)).Select(f => f.RelativePath["app/".Length..]).Order(StringComparer.Ordinal);

    private (string App, string DotnetRoot) Tree()
    {
        var app = Path.Combine(_dir, "app");
        var root = Path.Combine(_dir, "dotnet");
        Directory.CreateDirectory(app);
        foreach (var name in LibTorch.Concat(Kept))
        {
            File.WriteAllText(Path.Combine(app, name), name);
        }

        foreach (var dir in new[] { "host/fxr/10.0.1", "shared/Microsoft.NETCore.App/10.0.1", "shared/Microsoft.AspNetCore.App/10.0.1" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
            File.WriteAllText(Path.Combine(root, dir, "lib.so"), dir);
        }

        File.WriteAllText(Path.Combine(root, "dotnet"), "#!/bin/sh\n");
        return (app, root);
    }
}
