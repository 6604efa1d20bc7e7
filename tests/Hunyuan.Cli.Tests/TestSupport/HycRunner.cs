using System.Diagnostics;
using System.Text.Json;
using Hunyuan.Cluster.State;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>Runs `hyc` in-process with captured stdout/stderr, or as a real process for end-to-end checks.</summary>
public static class HycRunner
{
    /// <summary>Runs `hyc ARGS` in this process against a fresh HYC_HOME of its own, removed afterwards.</summary>
    public static async Task<HycResult> InProcess(params string[] args)
    {
        using var home = new TempDirectory();
        return await InProcessWithHome(home.Path, args);
    }

    /// <summary>Runs `hyc ARGS` in this process with <paramref name="home"/> as its HYC_HOME (for tests that look at what it leaves there).</summary>
    public static async Task<HycResult> InProcessWithHome(string home, params string[] args)
    {
        using var scope = HycHome.Use(home);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await HycRootCommand.InvokeAsync(new CliConsole(stdout, stderr), args);
        return new HycResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs the built hyc.dll with `dotnet`, environment overrides applied; killed after the timeout.</summary>
    public static Task<HycResult> AsProcess(IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args) =>
        Run([], AppContext.BaseDirectory, env, timeout, args);

    /// <summary>The same for the hyc.dll of another build (in <paramref name="appDirectory"/>).</summary>
    public static Task<HycResult> AsProcessFrom(string appDirectory, IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args) =>
        Run([], appDirectory, env, timeout, args);

    /// <summary>The same, inside a network namespace (`ip netns exec`), as an operator's machine of a test's own.</summary>
    public static Task<HycResult> InNamespace(string netns, IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args) =>
        Run(["ip", "netns", "exec", netns], AppContext.BaseDirectory, env, timeout, args);

    private static async Task<HycResult> Run(string[] prefix, string appDirectory, IReadOnlyDictionary<string, string> env, TimeSpan timeout, string[] args)
    {
        var psi = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var word in prefix.Skip(1).Append(prefix.Length > 0 ? "dotnet" : null).OfType<string>())
        {
            psi.ArgumentList.Add(word);
        }

        psi.ArgumentList.Add(Path.Combine(appDirectory, "hyc.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"hyc {string.Join(' ', args)} did not finish in {timeout}");
        }

        return new HycResult(p.ExitCode, await outTask, await errTask);
    }
}

public sealed record HycResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement;

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
