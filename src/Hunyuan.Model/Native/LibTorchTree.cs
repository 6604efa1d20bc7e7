namespace Hunyuan.Model.Native;

/// <summary>
/// A libtorch directory checked for loading: its libraries in the order they must load and the version it declares.
/// <see cref="Inspect"/> reads files only, so every refusal comes before anything is loaded into the process.
/// </summary>
/// <param name="Directory">The directory holding the libraries (a tree's lib/ when its root was named).</param>
/// <param name="Version">The version the tree declares, such as 2.10.0+cu128.</param>
/// <param name="VersionSource">Where the version came from: a file's path, or <see cref="LibTorchLoader.VersionVariable"/>.</param>
/// <param name="Libraries">Full paths, dependencies first.</param>
public sealed record LibTorchTree(string Directory, string Version, string VersionSource, IReadOnlyList<string> Libraries)
{
    /// <summary>What every libtorch has, in dependency order (libtorch.so itself is a stub that needs libtorch_cpu).</summary>
    public static readonly IReadOnlyList<string> Required = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    /// <summary>
    /// Each CUDA library is loaded right after the CPU one it builds on, when the tree has it; libtorch.so comes last
    /// because a CUDA build's stub also needs libtorch_cuda.
    /// </summary>
    private static readonly (string Name, string After)[] Optional = [("libc10_cuda.so", "libc10.so"), ("libtorch_cuda.so", "libtorch_cpu.so")];

    public bool HasCuda => Libraries.Any(l => Path.GetFileName(l) == "libtorch_cuda.so");

    /// <summary>
    /// Checks <paramref name="directory"/> (a libtorch lib/ directory, or the tree above it): the libraries are there
    /// and the version is the one this hyc's LibTorchSharp is built for. The version comes from ../build-version (the
    /// libtorch zip), else ../version.py (a pip torch/lib), else <paramref name="declaredVersion"/> (HYC_LIBTORCH_VERSION),
    /// which a file always overrides.
    /// </summary>
    /// <param name="directory">The libtorch lib/ directory or the tree above it.</param>
    /// <param name="declaredVersion">HYC_LIBTORCH_VERSION, used when the tree has no version file.</param>
    /// <param name="build">The LibTorchSharp it must suit; TorchSharp's own (2.10) when null.</param>
    /// <exception cref="LibTorchException">A missing directory or library, an unreadable or unsupported version.</exception>
    public static LibTorchTree Inspect(string directory, string? declaredVersion, LibTorchSharpBuild? build = null)
    {
        build ??= LibTorchSharpBuild.NuGet;
        var root = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(root))
        {
            throw new LibTorchException($"libtorch directory {root} ({LibTorchLoader.DirectoryVariable}) does not exist");
        }

        // The tree's root also works: the zip unpacks to libtorch/lib, pip installs torch/lib.
        var lib = !File.Exists(Path.Combine(root, "libtorch_cpu.so")) && File.Exists(Path.Combine(root, "lib", "libtorch_cpu.so"))
            ? Path.Combine(root, "lib")
            : root;
        var missing = Required.Where(name => !File.Exists(Path.Combine(lib, name))).ToList();
        if (missing.Count > 0)
        {
            throw new LibTorchException($"libtorch directory {lib} lacks {string.Join(", ", missing)} (a libtorch lib/ directory has {string.Join(", ", Required)})");
        }

        var (version, source) = ReadVersion(lib, declaredVersion, build);
        if (!build.Accepts(version))
        {
            throw new LibTorchException($"libtorch {version} at {lib} (from {source}) is not the libtorch {build.Minor}.x that this hyc's LibTorchSharp is built for ({build.Source})");
        }

        var libraries = new List<string>();
        foreach (var name in Required)
        {
            libraries.Add(Path.Combine(lib, name));
            libraries.AddRange(Optional.Where(o => o.After == name && File.Exists(Path.Combine(lib, o.Name))).Select(o => Path.Combine(lib, o.Name)));
        }

        return new LibTorchTree(lib, version, source, libraries);
    }

    private static (string Version, string Source) ReadVersion(string lib, string? declaredVersion, LibTorchSharpBuild build)
    {
        var parent = Path.GetDirectoryName(lib) ?? lib;
        var buildVersion = Path.Combine(parent, "build-version");
        if (File.Exists(buildVersion))
        {
            return (LibTorchVersion.FromBuildVersion(Read(buildVersion)) ?? throw new LibTorchException($"{buildVersion} is empty: no libtorch version in it"), buildVersion);
        }

        var versionPy = Path.Combine(parent, "version.py");
        if (File.Exists(versionPy))
        {
            return (LibTorchVersion.FromVersionPy(Read(versionPy)) ?? throw new LibTorchException($"{versionPy} has no __version__ line: no libtorch version in it"), versionPy);
        }

        if (string.IsNullOrWhiteSpace(declaredVersion))
        {
            throw new LibTorchException($"cannot tell the version of the libtorch at {lib}: no {buildVersion} or {versionPy}; set {LibTorchLoader.VersionVariable} (this hyc's LibTorchSharp needs {build.Minor}.x)");
        }

        return LibTorchVersion.TryParse(declaredVersion, out _, out _)
            ? (declaredVersion.Trim(), LibTorchLoader.VersionVariable)
            : throw new LibTorchException($"{LibTorchLoader.VersionVariable}='{declaredVersion}' is not a version such as {build.Minor}.0");
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LibTorchException($"cannot read {path}: {e.Message}");
        }
    }
}
