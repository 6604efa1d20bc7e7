using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Serving.Tests.TestSupport;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket and a few JSON commands): navigate,
/// evaluate script in the page, capture a screenshot. No browser download, no Node: only `apt-get install chromium`.
/// Each instance has its own profile directory and its own process, both removed on dispose.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly TempDirectory _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reader = Task.CompletedTask;
    private int _nextId;

    private HeadlessChromium(Process process, TempDirectory profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The browser's path, or null when Chromium is not installed (`apt-get install -y chromium`).</summary>
    public static string? Executable => Candidates.FirstOrDefault(File.Exists);

    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    public static async Task<HeadlessChromium> StartAsync(int width = 1280, int height = 1000)
    {
        var exe = Executable ?? throw new InvalidOperationException("chromium is not installed (apt-get install -y chromium)");
        var profile = new TempDirectory();
        var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile.Path}",
            $"--window-size={width},{height}", "about:blank",
        })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new HeadlessChromium(process, profile);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Loads a URL and waits until its document has loaded (bounded).</summary>
    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        await WaitForAsync("document.readyState === 'complete'", TimeSpan.FromSeconds(30), "the page did not load");
    }

    /// <summary>Evaluates a script expression in the page and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result?["exceptionDetails"] is { } error)
        {
            throw new InvalidOperationException($"script failed: {error.ToJsonString()}");
        }

        return result?["result"]?["value"];
    }

    /// <summary>Polls a boolean expression until it holds or <paramref name="bound"/> passes; throws with <paramref name="what"/> then.</summary>
    public async Task WaitForAsync(string condition, TimeSpan bound, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (await HoldsAsync(condition))
            {
                return;
            }

            if (sw.Elapsed > bound)
            {
                throw new TimeoutException($"{what} within {bound.TotalSeconds:F0} s");
            }

            await Task.Delay(250);
        }
    }

    // A page that navigates (a form's submit, a redirect) while the condition is evaluated ends that evaluation with a
    // DevTools error about its context; for a poll that only means "not yet".
    private async Task<bool> HoldsAsync(string condition)
    {
        try
        {
            return (await EvaluateAsync($"Boolean({condition})"))?.GetValue<bool>() == true;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("navigated or closed", StringComparison.Ordinal)
            || e.Message.Contains("Execution context was destroyed", StringComparison.Ordinal)
            || e.Message.Contains("Cannot find context", StringComparison.Ordinal))
        {
            return false;
        }
    }

    /// <summary>A PNG of the page as it is rendered now.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(result!["data"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
            }
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException)
        {
        }

        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or TimeoutException)
        {
        }

        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
        _stop.Dispose();
        _profile.Dispose();
    }

    // Chromium with --remote-debugging-port=0 writes the port it chose to DevToolsActivePort in its profile.
    private async Task ConnectAsync()
    {
        var file = Path.Combine(_profile.Path, "DevToolsActivePort");
        var sw = Stopwatch.StartNew();
        int port;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited with {_process.ExitCode} before it listened");
            }

            if (File.Exists(file) && File.ReadAllLines(file) is [var first, ..] && int.TryParse(first, out port) && port > 0)
            {
                break;
            }

            if (sw.Elapsed > StartBound)
            {
                throw new TimeoutException($"chromium did not write {file} within {StartBound.TotalSeconds:F0} s");
            }

            await Task.Delay(100);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")))!.AsArray();
        var page = targets.First(t => t!["type"]!.GetValue<string>() == "page")!;
        await _socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), _stop.Token);
        _reader = Task.Run(ReadAsync);
        await SendAsync("Page.enable", new JsonObject());
        await SendAsync("Runtime.enable", new JsonObject());
    }

    private async Task<JsonNode?> SendAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var done = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = done;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, _stop.Token);
        try
        {
            return await done.Task.WaitAsync(CommandBound);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    // Responses carry the id of their command; events (no id) are not needed here and are dropped.
    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            var r = await _socket.ReceiveAsync(buffer, _stop.Token);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, r.Count);
            if (!r.EndOfMessage)
            {
                continue;
            }

            var node = JsonNode.Parse(message.ToArray());
            message.SetLength(0);
            if (node?["id"] is { } idNode && _pending.TryGetValue(idNode.GetValue<int>(), out var waiter))
            {
                if (node["error"] is { } error)
                {
                    waiter.TrySetException(new InvalidOperationException($"DevTools error: {error.ToJsonString()}"));
                }
                else
                {
                    waiter.TrySetResult(node["result"]);
                }
            }
        }

        foreach (var waiter in _pending.Values)
        {
            waiter.TrySetException(new WebSocketException("the DevTools connection closed"));
        }
    }
}
