using System.Globalization;
using System.Text.RegularExpressions;

namespace Hunyuan.Cluster.Logs;

/// <summary>
/// The time a log line carries, where it carries one: ISO-8601 UTC (hyc's agents and endpoints, the supervisor's
/// lines) or Redis's "01 Dec 2026 12:00:00.000". Lines without one (a stack trace's frames) belong to the line above.
/// </summary>
public static partial class LogTimestamps
{
    public static DateTimeOffset? Of(string line)
    {
        var head = line.Length > 64 ? line[..64] : line;
        var iso = Iso().Match(head);
        if (iso.Success && DateTimeOffset.TryParse(iso.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        var redis = Redis().Match(head);
        return redis.Success && DateTimeOffset.TryParseExact(redis.Value, "dd MMM yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var r)
            ? r
            : null;
    }

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")]
    private static partial Regex Iso();

    [GeneratedRegex(@"\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3}")]
    private static partial Regex Redis();
}
