using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// Who may see the dashboard: everyone when the endpoint has no API key; otherwise a request with the key (Bearer
/// header) or with the dashboard cookie. The cookie holds an HMAC of the key, not the key: a leaked cookie opens the
/// dashboard (read-only) but not the API, and it stops working when the key changes.
/// </summary>
public sealed class DashboardAccess(string? apiKey)
{
    public const string CookieName = "hyc_dashboard";
    public const string CookiePath = "/dashboard";

    private readonly byte[]? _token = apiKey is null ? null : HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiKey), "hyc-dashboard-v1"u8);

    public bool KeyRequired => apiKey is not null;

    /// <summary>The cookie's value for the configured key (null without one).</summary>
    public string? CookieValue => _token is null ? null : Convert.ToBase64String(_token).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public bool IsAllowed(HttpRequest request) =>
        apiKey is null
        || KeyMatches(request.Headers.Authorization.ToString() is { } h && h.StartsWith("Bearer ", StringComparison.Ordinal) ? h["Bearer ".Length..] : null)
        || (request.Cookies.TryGetValue(CookieName, out var cookie) && Same(cookie, CookieValue!));

    /// <summary>Constant-time comparison with the configured key, so timing does not reveal how much of a guess was right.</summary>
    public bool KeyMatches(string? candidate) => apiKey is not null && candidate is not null && Same(candidate, apiKey);

    /// <summary>Sets the cookie: HttpOnly (page scripts cannot read it), SameSite=Strict, only under /dashboard, Secure over HTTPS.</summary>
    public void Grant(HttpResponse response, bool https) =>
        response.Cookies.Append(CookieName, CookieValue ?? "", new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = CookiePath,
            Secure = https,
            IsEssential = true,
        });

    private static bool Same(string a, string b) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
