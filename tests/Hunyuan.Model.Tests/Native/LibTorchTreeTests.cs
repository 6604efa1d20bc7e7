using Hunyuan.Model.Native;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Model.Tests.Native;

/// <summary>Fake libtorch trees (empty files with the right names): what is accepted, what is refused and how it is said.</summary>
public sealed class LibTorchTreeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void TheZipLayoutIsReadFromBuildVersionAndLoadsDependenciesFirst()
    {
        var lib = Tree("libtorch", ["libc10.so", "libtorch_cpu.so", "libtorch.so", "libgomp-a34b3233.so.1"], buildVersion: "2.10.0+cpu\n");

        var tree = LibTorchTree.Inspect(lib, declaredVersion: null);

        Assert.Equal("2.10.0+cpu", tree.Version);
        Assert.Equal(Path.Combine(_dir.Path, "libtorch", "build-version"), tree.VersionSource);
        Assert.Equal(["libc10.so", "libtorch_cpu.so", "libtorch.so"], tree.Libraries.Select(Path.GetFileName));
        Assert.False(tree.HasCuda);
    }

    [Fact]
    public void APipTorchLibWithVersionPyIsAcceptedWithItsCudaLibrariesInOrder()
    {
        var lib = Tree("torch", ["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so", "libtorch_python.so"],
            versionPy: "__version__ = '2.10.0+cu128'\ngit_version = '0123'\n");

        var tree = LibTorchTree.Inspect(lib, declaredVersion: "2.9.0");

        Assert.Equal("2.10.0+cu128", tree.Version);
        Assert.EndsWith("version.py", tree.VersionSource, StringComparison.Ordinal);
        Assert.Equal(["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"], tree.Libraries.Select(Path.GetFileName));
        Assert.True(tree.HasCuda);
    }

    [Fact]
    public void TheTreeRootWorksAsWellAsItsLib()
    {
        var lib = Tree("libtorch", ["libc10.so", "libtorch_cpu.so", "libtorch.so"], buildVersion: "2.10.0+cpu");
        Assert.Equal(lib, LibTorchTree.Inspect(Path.GetDirectoryName(lib)!, null).Directory);
    }

    [Fact]
    public void AnotherVersionIsRefusedNamingBothVersions()
    {
        var lib = Tree("libtorch", ["libc10.so", "libtorch_cpu.so", "libtorch.so"], buildVersion: "2.9.1+cpu\n");

        var e = Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(lib, declaredVersion: "2.10.0"));

        Assert.Contains("2.9.1", e.Message, StringComparison.Ordinal);
        Assert.Contains("2.10", e.Message, StringComparison.Ordinal);
        Assert.Contains("build-version", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AMissingLibraryIsRefusedNamingTheFileAndThePath()
    {
        var lib = Tree("libtorch", ["libc10.so", "libtorch.so"], buildVersion: "2.10.0+cpu");

        var e = Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(lib, null));

        Assert.Contains($"{lib} lacks libtorch_cpu.so", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingDirectoryIsRefusedNamingIt()
    {
        var missing = _dir.File("nowhere");
        var e = Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(missing, null));
        Assert.Contains($"{missing} ({LibTorchLoader.DirectoryVariable}) does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDeclaredVersionIsUsedOnlyWhenNoFileSays()
    {
        var lib = Tree("bare", ["libc10.so", "libtorch_cpu.so", "libtorch.so"]);

        var undeclared = Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(lib, null));
        Assert.Contains(LibTorchLoader.VersionVariable, undeclared.Message, StringComparison.Ordinal);

        var declared = LibTorchTree.Inspect(lib, "2.10.0+cu128");
        Assert.Equal(("2.10.0+cu128", LibTorchLoader.VersionVariable), (declared.Version, declared.VersionSource));

        var wrong = Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(lib, "2.11.0"));
        Assert.Contains("libtorch 2.11.0", wrong.Message, StringComparison.Ordinal);
        Assert.Contains($"from {LibTorchLoader.VersionVariable}", wrong.Message, StringComparison.Ordinal);

        Assert.Contains("is not a version", Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(lib, "cu128")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AVersionFileWithoutAVersionIsRefused()
    {
        var lib = Tree("torch", ["libc10.so", "libtorch_cpu.so", "libtorch.so"], versionPy: "debug = False\n");
        var e = Assert.Throws<LibTorchException>(() => LibTorchTree.Inspect(lib, "2.10.0"));
        Assert.Contains("version.py has no __version__ line", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLoaderRefusesAnAppThatCarriesItsOwnLibTorchBeforeLoadingAnything()
    {
        var lib = Tree("libtorch", ["libc10.so", "libtorch_cpu.so", "libtorch.so"], buildVersion: "2.10.0+cpu");
        var app = Tree("app", ["libtorch_cpu.so"]);

        // The fake libraries are empty files: had the loader tried them, the message would be a load failure.
        var e = Assert.Throws<LibTorchException>(() => LibTorchLoader.Load(lib, null, app));

        Assert.Contains("carries its own libtorch", e.Message, StringComparison.Ordinal);
        Assert.Null(LibTorchLoader.Loaded);
    }

    [Fact]
    public void ARefusedTreeLoadsNothing()
    {
        var lib = Tree("libtorch", ["libc10.so", "libtorch_cpu.so", "libtorch.so"], buildVersion: "2.9.1");
        Assert.Throws<LibTorchException>(() => LibTorchLoader.Load(lib, null, _dir.Path));
        Assert.Null(LibTorchLoader.Loaded);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>NAME/lib with the named (empty) files, and NAME/build-version or NAME/version.py when given.</summary>
    private string Tree(string name, string[] files, string? buildVersion = null, string? versionPy = null)
    {
        var lib = Path.Combine(_dir.Path, name, "lib");
        Directory.CreateDirectory(lib);
        foreach (var file in files)
        {
            File.WriteAllBytes(Path.Combine(lib, file), []);
        }

        if (buildVersion is not null)
        {
            File.WriteAllText(Path.Combine(_dir.Path, name, "build-version"), buildVersion);
        }

        if (versionPy is not null)
        {
            File.WriteAllText(Path.Combine(_dir.Path, name, "version.py"), versionPy);
        }

        return lib;
    }
}
