using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// A real `hyc serve --deployment NAME` process on a loopback port, its output kept for assertions and failure
/// messages. <see cref="StopAsync"/> sends SIGTERM (so it releases its serving lease on the way out); disposing kills
/// what is still running, so nothing a test starts outlives it.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ServeProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public Uri Root => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    public Uri V1 => new(Root, "/v1");

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Stderr => Read(_stderr);

    public string Output => $"--- serve on port {Port} (pid {Pid}) stdout ---\n{Read(_stdout)}\n--- stderr ---\n{Read(_stderr)}";

    /// <param name="env">Environment overrides (HYC_HOME of the cluster).</param>
    /// <param name="arguments">What follows `hyc serve` besides --port.</param>
    public static ServeProcess Start(IReadOnlyDictionary<string, string> env, int port, params string[] arguments)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hyc.dll"));
        psi.ArgumentList.Add("serve");
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        return new ServeProcess(Process.Start(psi)!, port);
    }

    /// <summary>Waits until the process exits by itself (a refused start); false after <paramref name="bound"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Polls GET /health/ready until it answers 200; fails the test with the process's output after <paramref name="bound"/>.</summary>
    public async Task WaitReadyAsync(HttpClient http, TimeSpan bound, string when)
    {
        var sw = Stopwatch.StartNew();
        var last = "(no answer)";
        while (sw.Elapsed < bound)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"serve on port {Port} exited with {_process.ExitCode} {when}\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Root, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"serve on port {Port} not ready within {bound.TotalSeconds:F0} s {when}; last: {last}\n{Output}");
    }

    /// <summary>SIGTERM, then up to 20 s for a clean exit (it releases its lease); killed if it does not go.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await term.WaitForExitAsync();
        }

        if (!await WaitForExitAsync(TimeSpan.FromSeconds(20)))
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private static string Read(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }
}
