using System.Diagnostics;
using System.Globalization;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Tests.TestSupport;
using Hunyuan.Serving.Tests.TestSupport;
using Xunit.Abstractions;

namespace Hunyuan.Cli.Tests.Commands.Local;

/// <summary>
/// The live dashboard of a real local cluster in headless Chromium: after `hyc up --local --deploy tiny` it shows both
/// nodes alive and the deployment ready; after agent local-1 is killed together with its supervisor (so nothing
/// restarts it) it shows that node dead and the deployment degraded within 20 s. The last view is kept as a screenshot
/// under the test's output directory (its path is printed).
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class DashboardEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan LossBound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _home = new();
    private readonly int _base = TestPorts.Base(TestPorts.LocalCluster(2));
    private readonly int _port = TestPorts.One();

    private Dictionary<string, string> Env => new() { ["HYC_HOME"] = _home.Path };

    private string ClusterDir => Path.Combine(_home.Path, "clusters", "local");

    [Fact]
    public async Task TheDashboardShowsTheClusterLiveAndALostNodeWithin20Seconds()
    {
        var port = _port.ToString(CultureInfo.InvariantCulture);
        try
        {
            var up = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(5), "up", "--local", "--deploy", "tiny", "--detach", "--nodes", "2", "--gpus-per-node", "2",
                "--base-port", _base.ToString(CultureInfo.InvariantCulture), "--port", port);
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains($"Dashboard: http://127.0.0.1:{port}/dashboard", up.Stderr, StringComparison.Ordinal);

            await using var browser = await HeadlessChromium.StartAsync();
            await browser.NavigateAsync(new Uri($"http://127.0.0.1:{port}/dashboard"));
            await browser.WaitForAsync("""
                document.querySelector('#nodes tr[data-node="local-0"][data-state="alive"]') !== null
                && document.querySelector('#nodes tr[data-node="local-1"][data-state="alive"]') !== null
                && document.querySelector('#deployments tr[data-deployment="tiny"][data-state="ready"]') !== null
                """, TimeSpan.FromSeconds(30), "the dashboard did not show both nodes alive and tiny ready");
            var ranks = (await browser.EvaluateAsync("[...document.querySelectorAll('#ranks tr[data-rank]')].map(r => r.children[2].textContent + ':' + r.dataset.state).join(' ')"))!.GetValue<string>();
            Assert.Contains("local-1:ready", ranks, StringComparison.Ordinal);
            Assert.Equal(2, (await browser.EvaluateAsync("document.querySelectorAll('#nodes tr[data-node=\"local-0\"] [data-gpu]').length"))!.GetValue<int>());
            await SaveScreenshotAsync(browser, "dashboard-ready.png");

            var supervisor = int.Parse(File.ReadAllText(Path.Combine(ClusterDir, "agent-local-1.pid")).Trim(), CultureInfo.InvariantCulture);
            var child = int.Parse(File.ReadAllText(Path.Combine(ClusterDir, "agent-local-1.child")).Trim(), CultureInfo.InvariantCulture);
            var killedAt = Stopwatch.StartNew();
            KillGroup(supervisor);
            KillIfAlive(child);

            await browser.WaitForAsync("""
                document.querySelector('#nodes tr[data-node="local-1"][data-state="dead"]') !== null
                && document.querySelector('#nodes tr[data-node="local-0"][data-state="alive"]') !== null
                && document.querySelector('#deployments tr[data-deployment="tiny"][data-state="degraded"]') !== null
                """, LossBound, "the dashboard did not show local-1 dead and tiny degraded");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"the dashboard showed the loss {killedAt.Elapsed.TotalSeconds:F1} s after the kill"));
            var reason = (await browser.EvaluateAsync("document.querySelector('#deployments tr[data-deployment=\"tiny\"]').children[2].textContent"))!.GetValue<string>();
            Assert.Contains("local-1", reason, StringComparison.Ordinal);
            await SaveScreenshotAsync(browser, "dashboard-degraded.png");
        }
        finally
        {
            var down = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "down", "--local");
            Assert.True(down.ExitCode == 0, down.ToString());
        }
    }

    public void Dispose() => _home.Dispose();

    private async Task SaveScreenshotAsync(HeadlessChromium browser, string name)
    {
        // Outside the test's bin: that directory is the agent bundle `up HOSTS.yaml` ships, and a file written there
        // while the namespace lab runs changes the bundle's id between its two `up`s (it left the first bundle behind).
        var dir = Path.Combine(RepositoryPaths.Root(), "TestResults", "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        await File.WriteAllBytesAsync(path, await browser.ScreenshotAsync());
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
    }

    // The agent runs in its supervisor's group; killed by pid too in case it ever gets a group of its own.
    private static void KillIfAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
        }
    }

    private static void KillGroup(int leader)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-KILL", "--", "-" + leader.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false, RedirectStandardError = true })!;
        kill.WaitForExit(5000);
    }
}
