using Hunyuan.Serving.Dashboard;
using Microsoft.AspNetCore.Http;

namespace Hunyuan.Serving.Tests.Dashboard;

/// <summary>Who may read the dashboard: the key (header), or the cookie derived from it; nobody else once a key is set.</summary>
public sealed class DashboardAccessTests
{
    private const string Key = "sk-dash-4711";

    [Fact]
    public void WithoutAKeyEveryoneMayLook()
    {
        var access = new DashboardAccess(null);
        Assert.False(access.KeyRequired);
        Assert.True(access.IsAllowed(Request()));
        Assert.Null(access.CookieValue);
        Assert.False(access.KeyMatches("anything"));
    }

    [Fact]
    public void WithAKeyOnlyTheKeyOrItsCookieLetsIn()
    {
        var access = new DashboardAccess(Key);
        Assert.False(access.IsAllowed(Request()));
        Assert.False(access.IsAllowed(Request(authorization: "Bearer sk-dash-4712")));
        Assert.False(access.IsAllowed(Request(authorization: Key)));
        Assert.True(access.IsAllowed(Request(authorization: "Bearer " + Key)));
        Assert.True(access.IsAllowed(Request(cookie: access.CookieValue)));
        Assert.False(access.IsAllowed(Request(cookie: Key)));
        Assert.False(access.IsAllowed(Request(cookie: new DashboardAccess("another key").CookieValue)));
        Assert.True(access.KeyMatches(Key));
        Assert.False(access.KeyMatches(Key + " "));
    }

    [Fact]
    public void TheCookieHoldsNoKeyAndIsHttpOnlyStrictAndScopedToTheDashboard()
    {
        var access = new DashboardAccess(Key);
        Assert.DoesNotContain(Key, access.CookieValue!, StringComparison.Ordinal);
        Assert.Equal(access.CookieValue, new DashboardAccess(Key).CookieValue);

        var ctx = new DefaultHttpContext();
        access.Grant(ctx.Response, https: false);
        var header = ctx.Response.Headers.SetCookie.ToString();
        Assert.StartsWith($"{DashboardAccess.CookieName}={access.CookieValue}", header, StringComparison.Ordinal);
        Assert.Contains("httponly", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", header, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", header, StringComparison.OrdinalIgnoreCase);

        var https = new DefaultHttpContext();
        access.Grant(https.Response, https: true);
        Assert.Contains("secure", https.Response.Headers.SetCookie.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static HttpRequest Request(string? authorization = null, string? cookie = null)
    {
        var ctx = new DefaultHttpContext();
        if (authorization is not null)
        {
            ctx.Request.Headers.Authorization = authorization;
        }

        if (cookie is not null)
        {
            ctx.Request.Headers.Cookie = $"{DashboardAccess.CookieName}={cookie}";
        }

        return ctx.Request;
    }
}
