using System.Runtime.InteropServices;

namespace Hunyuan.Model.Native;

/// <summary>
/// Loads a libtorch from outside the build (HYC_LIBTORCH_DIR: a CUDA libtorch on a GPU host, a pip torch/lib) before
/// TorchSharp initialises. TorchSharp has no setting for where libtorch is: it binds whatever libtorch_cpu and
/// LibTorchSharp resolve to on first use of <c>torch</c>, and the dynamic loader resolves those names to libraries
/// already loaded. So loading this tree's libraries by full path first, dependencies before dependents, makes them the
/// ones TorchSharp uses. It must run before anything touches <c>torch</c>; hyc calls it first thing.
/// </summary>
public static class LibTorchLoader
{
    /// <summary>The libtorch lib/ directory to load (or the tree above it); unset, the libtorch of the build loads as usual.</summary>
    public const string DirectoryVariable = "HYC_LIBTORCH_DIR";

    /// <summary>The version of that libtorch, read only when the tree has neither build-version nor version.py.</summary>
    public const string VersionVariable = "HYC_LIBTORCH_VERSION";

    private static readonly Lock Gate = new();

    /// <summary>What this process loaded from <see cref="DirectoryVariable"/>; null when it runs on the build's own libtorch.</summary>
    public static LibTorchTree? Loaded { get; private set; }

    /// <summary>One line for a person or a JSON field: where the process's libtorch came from.</summary>
    public static string Description => Loaded is { } t ? $"{t.Version} from {t.Directory}" : "bundled";

    /// <summary>Loads the tree <see cref="DirectoryVariable"/> names, if it names one; null (and nothing done) when it is unset or empty.</summary>
    /// <exception cref="LibTorchException">The tree is refused (nothing is loaded then) or a library fails to load.</exception>
    public static LibTorchTree? LoadFromEnvironment() =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } directory
            ? Load(directory, Environment.GetEnvironmentVariable(VersionVariable), AppContext.BaseDirectory)
            : null;

    /// <summary>
    /// Checks <paramref name="directory"/> (<see cref="LibTorchTree.Inspect"/>, against the LibTorchSharp build in
    /// <paramref name="appDirectory"/>) and that <paramref name="appDirectory"/> carries no libtorch of its own, then loads
    /// the tree's libraries. A second call for the same directory is a no-op.
    /// </summary>
    /// <exception cref="LibTorchException">The tree is refused (nothing is loaded then) or a library fails to load.</exception>
    public static LibTorchTree Load(string directory, string? declaredVersion, string appDirectory)
    {
        var tree = LibTorchTree.Inspect(directory, declaredVersion, LibTorchSharpBuild.For(appDirectory));

        // TorchSharp probes its own folder before anything else: a libtorch there would load as a second copy beside
        // this one, and a CUDA libtorch_cuda would bind to it (undefined symbols at best).
        var bundled = Path.Combine(appDirectory, "libtorch_cpu.so");
        if (File.Exists(bundled))
        {
            throw new LibTorchException($"{bundled}: this hyc carries its own libtorch (built with TorchBackend=cpu or cuda), which TorchSharp would load beside the one in {tree.Directory}; use a build with -p:TorchBackend=external, or unset {DirectoryVariable}");
        }

        lock (Gate)
        {
            if (Loaded is { } earlier)
            {
                return earlier.Directory == tree.Directory
                    ? earlier
                    : throw new LibTorchException($"libtorch from {earlier.Directory} is already loaded in this process; {tree.Directory} cannot replace it");
            }

            foreach (var library in tree.Libraries)
            {
                try
                {
                    NativeLibrary.Load(library);
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    // What the dynamic loader said (a missing CUDA runtime, a wrong architecture), on one line.
                    throw new LibTorchException($"{library} does not load: {e.Message.ReplaceLineEndings(" ")}");
                }
            }

            Loaded = tree;
            return tree;
        }
    }
}
