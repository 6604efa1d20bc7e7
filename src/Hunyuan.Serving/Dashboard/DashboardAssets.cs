using System.Collections.Concurrent;

namespace Hunyuan.Serving.Dashboard;

/// <summary>The page, its script and its style, embedded in this assembly: hosts may have no internet, and nothing is fetched at build time.</summary>
internal static class DashboardAssets
{
    private static readonly ConcurrentDictionary<string, string?> Cache = new(StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    /// <summary>An embedded file's text, or null when there is none by that name.</summary>
    public static string? Read(string name) => Cache.GetOrAdd(name, n =>
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("dashboard/" + n);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
