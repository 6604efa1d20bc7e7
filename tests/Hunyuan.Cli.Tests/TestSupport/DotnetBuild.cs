using System.Diagnostics;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>Runs `dotnet build ARGS` in the repository root, as a person would, for tests of the build itself.</summary>
public static class DotnetBuild
{
    /// <summary>
    /// The exit code and everything it printed. Output goes through a file: build servers it leaves running would
    /// hold a pipe open past its exit.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string log, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Fixtures.RepoRoot };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=$1; shift; exec dotnet build \"$@\" -nologo > \"$log\" 2>&1");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(log);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // The test host runs under an MSBuild of its own (dotnet test); its variables would steer this build.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            psi.Environment.Remove(key);
        }

        using var build = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await build.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            build.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet build {string.Join(' ', args)} did not finish in {timeout}");
        }

        return (build.ExitCode, await File.ReadAllTextAsync(log));
    }
}
