using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Serving.Tests.TestSupport;

namespace Hunyuan.Serving.Tests.Dashboard;

/// <summary>
/// The page in headless Chromium (Debian's `chromium`): the key form, the cookie it sets (which page scripts cannot
/// read), and the live view filled from SSE.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class DashboardBrowserTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private const string Key = "sk-browser-test-5d2a";

    [Fact]
    public async Task TheKeyFormLetsTheBrowserInAndThePageFillsFromTheStream()
    {
        using var keyDir = new TempDirectory();
        File.WriteAllText(keyDir.File("key"), Key);
        var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions { Port = 0, ModelName = "tiny", ApiKeyFile = keyDir.File("key") });
        await using var _ = app;
        await using var browser = await HeadlessChromium.StartAsync();

        await browser.NavigateAsync(new Uri(address, "/dashboard"));
        Assert.True((await browser.EvaluateAsync("document.getElementById('key-form') !== null"))!.GetValue<bool>());
        Assert.False((await browser.EvaluateAsync("document.querySelector('#nodes') !== null"))!.GetValue<bool>());

        await browser.EvaluateAsync($"document.getElementById('key').value = 'wrong'; document.getElementById('key-form').submit(); true");
        await browser.WaitForAsync("document.body && document.body.innerText.includes('That key is wrong')", TimeSpan.FromSeconds(15), "the form did not say the key was wrong");

        await browser.EvaluateAsync($"document.getElementById('key').value = '{Key}'; document.getElementById('key-form').submit(); true");
        await browser.WaitForAsync("document.querySelector('#nodes tr[data-state=\"alive\"]') !== null", TimeSpan.FromSeconds(20), "the dashboard did not show this host alive");
        await browser.WaitForAsync("document.querySelector('#deployments tr[data-deployment=\"tiny\"][data-state=\"ready\"]') !== null", TimeSpan.FromSeconds(10), "the dashboard did not show the model ready");
        await browser.WaitForAsync("document.getElementById('connection').dataset.connection === 'live'", TimeSpan.FromSeconds(10), "the event stream did not connect");
        Assert.Equal(new Uri(address, "/dashboard").ToString(), (await browser.EvaluateAsync("location.href"))!.GetValue<string>());
        Assert.Equal("", (await browser.EvaluateAsync("document.cookie"))!.GetValue<string>());

        var png = await browser.ScreenshotAsync();
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G');
    }
}
