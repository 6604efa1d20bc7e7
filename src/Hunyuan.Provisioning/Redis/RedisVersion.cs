using System.Globalization;
using System.Text.RegularExpressions;

namespace Hunyuan.Provisioning.Redis;

/// <summary>Reads Redis's major version from `redis-server --version` ("Redis server v=7.0.15 sha=...") or an image tag.</summary>
public static partial class RedisVersion
{
    public static int? Major(string versionOutput)
    {
        var m = VersionField().Match(versionOutput);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The major version a tag such as "redis:7.2" or "redis:6-alpine" names; null when it names none ("latest").</summary>
    public static int? MajorOfTag(string image)
    {
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        if (colon <= slash)
        {
            return null;
        }

        var m = LeadingNumber().Match(image[(colon + 1)..]);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"\bv=(\d+)\.")]
    private static partial Regex VersionField();

    [GeneratedRegex(@"^(\d+)(?:[.\-]|$)")]
    private static partial Regex LeadingNumber();
}
