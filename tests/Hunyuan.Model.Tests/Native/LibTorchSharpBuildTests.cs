using Hunyuan.Model.Native;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Model.Tests.Native;

/// <summary>
/// Which libtorch a hyc accepts follows the LibTorchSharp beside it: TorchSharp's own build takes 2.10.x only; one rebuilt
/// against another libtorch (a marker file says which) takes that one and refuses 2.10.
/// </summary>
public sealed class LibTorchSharpBuildTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void WithoutAMarkerTheBuildIsTorchSharpsOwnForTwoTen()
    {
        var build = LibTorchSharpBuild.For(_dir.Path);

        Assert.Same(LibTorchSharpBuild.NuGet, build);
        Assert.Equal("2.10", build.Minor);
        Assert.True(build.Accepts("2.10.3+cu128"));
        Assert.False(build.Accepts("2.11.0"));
    }

    [Fact]
    public void AMarkerNamesTheLibTorchTheRebuiltLibraryTakes()
    {
        var marker = Marker("2.11.0+cu130\n");

        var build = LibTorchSharpBuild.For(_dir.Path);

        Assert.Equal(("2.11", marker), (build.Minor, build.Source));
        Assert.True(build.Accepts("2.11.1"));
        Assert.False(build.Accepts("2.10.0"));
        Assert.False(build.Accepts("3.11.0"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("cu130\n")]
    public void AMarkerWithoutAVersionIsRefusedNamingIt(string text)
    {
        var marker = Marker(text);

        var e = Assert.Throws<LibTorchException>(() => LibTorchSharpBuild.For(_dir.Path));

        Assert.Contains(marker, e.Message, StringComparison.Ordinal);
        Assert.Contains("holds no libtorch version", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARebuiltLibraryTakesItsTreeAndRefusesTwoTenNamingAllThree()
    {
        var marker = Marker("2.11.0+cu130");
        var build = LibTorchSharpBuild.For(_dir.Path);
        var newer = Tree("torch211", versionPy: "__version__ = '2.11.0+cu130'\n");
        var older = Tree("torch210", versionPy: "__version__ = '2.10.0+cu128'\n");

        Assert.Equal("2.11.0+cu130", LibTorchTree.Inspect(newer, null, build).Version);
        var e = Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(older, null, build));

        Assert.Contains("libtorch 2.10.0+cu128", e.Message, StringComparison.Ordinal);
        Assert.Contains("2.11.x", e.Message, StringComparison.Ordinal);
        Assert.Contains(marker, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLoaderReadsTheMarkerInTheAppDirectoryAndLoadsNothingWhenItRefuses()
    {
        Marker("2.11.0");
        var older = Tree("torch210", versionPy: "__version__ = '2.10.0'\n");

        // The fake libraries are empty files: had the loader accepted the tree, the failure would be a load error.
        var e = Assert.Throws<LibTorchException>(() => LibTorchLoader.Load(older, null, _dir.Path));

        Assert.Contains("is not the libtorch 2.11.x", e.Message, StringComparison.Ordinal);
        Assert.Null(LibTorchLoader.Loaded);
    }

    public void Dispose() => _dir.Dispose();

    private string Marker(string text)
    {
        var path = Path.Combine(_dir.Path, LibTorchSharpBuild.MarkerFile);
        File.WriteAllText(path, text);
        return path;
    }

    private string Tree(string name, string versionPy)
    {
        var lib = Path.Combine(_dir.Path, name, "lib");
        Directory.CreateDirectory(lib);
        foreach (var file in LibTorchTree.Required)
        {
            File.WriteAllBytes(Path.Combine(lib, file), []);
        }

        File.WriteAllText(Path.Combine(_dir.Path, name, "version.py"), versionPy);
        return lib;
    }
}
