using System.Globalization;
using System.Text.RegularExpressions;

namespace Hunyuan.Provisioning.Agents;

/// <summary>
/// The ICU libraries .NET loaded into this process, shipped with the agent bundle (app-local ICU). .NET on Linux fails
/// fast at start without libicu, and container images (CUDA base images, a debootstrapped minbase) often lack it; the
/// alternative, invariant globalization, silently skips the tokenizer's NFC step ("Cafe" + U+0301 becomes 6 tokens
/// instead of 5), so hyc never runs in that mode. The bundle's copies sit on the library path after the host's own,
/// so a host that has ICU keeps using it.
/// </summary>
public static partial class IcuLibraries
{
    /// <summary>The directory of the bundle the libraries go to.</summary>
    public const string BundleDirectory = "icu";

    private static readonly string[] Names = ["libicuuc", "libicui18n", "libicudata"];

    /// <summary>
    /// The real paths of this process's libicuuc, libicui18n and libicudata (from /proc/self/maps), each with the
    /// name the others load it by (its soname, e.g. libicudata.so.72).
    /// </summary>
    public static IReadOnlyList<(string Path, string Soname)> OfThisProcess()
    {
        // Make sure globalization is initialised (ICU loaded) before reading the maps.
        _ = "e\u0301".Normalize(System.Text.NormalizationForm.FormC);
        _ = CultureInfo.CurrentCulture.CompareInfo.Compare("a", "b");
        return FromMaps(File.ReadLines("/proc/self/maps"));
    }

    /// <summary>The ICU libraries named in the lines of a /proc/PID/maps file; throws when one of the three is not there.</summary>
    public static IReadOnlyList<(string Path, string Soname)> FromMaps(IEnumerable<string> mapsLines)
    {
        var found = new Dictionary<string, (string Path, string Soname)>(StringComparer.Ordinal);
        foreach (var line in mapsLines)
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            var match = LibraryName().Match(Path.GetFileName(path));
            if (match.Success)
            {
                found.TryAdd(match.Groups["name"].Value, (path, $"{match.Groups["name"].Value}.so.{match.Groups["major"].Value}"));
            }
        }

        var missing = Names.Where(n => !found.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"this process has not loaded {string.Join(", ", missing)}: hyc ships the ICU it runs with to the hosts, so it must run with ICU (install libicu; invariant globalization is not supported)");
        }

        return Names.Select(n => found[n]).ToList();
    }

    /// <summary>
    /// The shell words that put a bundle's ICU directory on the library path after whatever the host already has there
    /// (a CUDA image's LD_LIBRARY_PATH must keep working).
    /// </summary>
    public static string LibraryPathAssignment(string bundleRoot) =>
        $"\"LD_LIBRARY_PATH=${{LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}}{bundleRoot}/{BundleDirectory}\"";

    [GeneratedRegex(@"^(?<name>libicu(uc|i18n|data))\.so\.(?<major>\d+)(\.\d+)*$")]
    private static partial Regex LibraryName();
}
