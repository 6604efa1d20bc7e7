namespace Hunyuan.Model.Native;

/// <summary>
/// The libtorch that this hyc's LibTorchSharp (TorchSharp's native half, compiled C++ against libtorch's headers) was
/// built for: the only minor version it can be loaded beside. TorchSharp 0.107's NuGet build is for 2.10; a LibTorchSharp
/// compiled from the same TorchSharp source against another libtorch (bench/gpu-on-device.sh does that for a GPU host whose
/// only torch is a newer pip wheel) is for that one, and says so in <see cref="MarkerFile"/> beside it.
/// </summary>
/// <param name="Minor">MAJOR.MINOR, such as 2.10.</param>
/// <param name="Source">Where that came from, for messages: the marker file's path, or TorchSharp's NuGet build.</param>
public sealed record LibTorchSharpBuild(string Minor, string Source)
{
    /// <summary>Written next to a rebuilt libLibTorchSharp.so: one line, the libtorch version it was compiled against.</summary>
    public const string MarkerFile = "libLibTorchSharp.torch-version";

    /// <summary>The LibTorchSharp that TorchSharp's NuGet package ships.</summary>
    public static readonly LibTorchSharpBuild NuGet = new(LibTorchVersion.Supported, "TorchSharp 0.107's own build");

    /// <summary>The build in <paramref name="appDirectory"/>: its marker when there is one, else TorchSharp's NuGet build.</summary>
    /// <exception cref="LibTorchException">A marker that is unreadable or holds no version.</exception>
    public static LibTorchSharpBuild For(string appDirectory)
    {
        var marker = Path.Combine(appDirectory, MarkerFile);
        if (!File.Exists(marker))
        {
            return NuGet;
        }

        string text;
        try
        {
            text = File.ReadAllText(marker);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LibTorchException($"cannot read {marker}: {e.Message}");
        }

        var version = LibTorchVersion.FromBuildVersion(text);
        return version is not null && LibTorchVersion.TryParse(version, out var major, out var minor)
            ? new LibTorchSharpBuild($"{major}.{minor}", marker)
            : throw new LibTorchException($"{marker} holds no libtorch version such as 2.10.0 (it names the libtorch the LibTorchSharp beside it was compiled against)");
    }

    /// <summary>True when <paramref name="version"/> is any patch release of <see cref="Minor"/>.</summary>
    public bool Accepts(string version) => LibTorchVersion.IsSameMinor(version, Minor);
}
