using System.Globalization;
using System.Text.RegularExpressions;

namespace Hunyuan.Model.Native;

/// <summary>
/// The libtorch version a tree declares, and whether TorchSharp can run on it. TorchSharp checks nothing at run time:
/// another minor version shows up as undefined symbols or crashes deep in a forward pass, so it is refused up front.
/// </summary>
public static partial class LibTorchVersion
{
    /// <summary>
    /// The libtorch minor version TorchSharp 0.107.0 is built for (its build/Dependencies.props); any patch release of
    /// it is accepted. A test compares it with <c>torch.__version__</c>, so a TorchSharp upgrade cannot leave it stale.
    /// </summary>
    public const string Supported = "2.10";

    /// <summary>The version in a pip wheel's torch/version.py (<c>__version__ = '2.10.0+cu128'</c>); null when it has none.</summary>
    public static string? FromVersionPy(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var m = VersionPyLine().Match(line);
            if (m.Success)
            {
                return m.Groups[1].Value;
            }
        }

        return null;
    }

    /// <summary>The version in the libtorch zip's build-version (one line, <c>2.10.0+cpu</c>); null when it is empty.</summary>
    public static string? FromBuildVersion(string text)
    {
        var line = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return string.IsNullOrEmpty(line) ? null : line;
    }

    /// <summary>True when <paramref name="version"/> reads as MAJOR.MINOR[.PATCH][+local]; the local part (cpu, cu128) does not matter.</summary>
    public static bool TryParse(string version, out int major, out int minor)
    {
        var m = Numbers().Match(version.Trim());
        major = minor = 0;
        return m.Success
            && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out major)
            && int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }

    /// <summary>True for any 2.10.x (what <see cref="Supported"/> names).</summary>
    public static bool IsSupported(string version) => IsSameMinor(version, Supported);

    /// <summary>True when both read as versions with the same MAJOR.MINOR (2.11.0+cu130 and 2.11).</summary>
    public static bool IsSameMinor(string version, string other) =>
        TryParse(version, out var major, out var minor) && TryParse(other, out var wantMajor, out var wantMinor)
        && major == wantMajor && minor == wantMinor;

    [GeneratedRegex("""^__version__\s*=\s*['"]([^'"]+)['"]""")]
    private static partial Regex VersionPyLine();

    [GeneratedRegex(@"^(\d+)\.(\d+)(?:\.\d+)?(?:[a-z]+\d*)?(?:\+[A-Za-z0-9.]+)?$")]
    private static partial Regex Numbers();
}
