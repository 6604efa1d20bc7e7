using System.Diagnostics;
using System.Runtime.InteropServices;
using Hunyuan.Cli.Startup;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Startup;

/// <summary>
/// SIGTERM to a command whose scheduler and rank threads are inside libtorch (a structured-output benchmark between
/// rounds): it exits 143. Before TerminationExit the runtime's exit ran libtorch's static destructors under those threads
/// and the process died of SIGABRT ("terminate called", exit 134) in two runs of three.
/// </summary>
public sealed class TerminationExitTests
{
    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task SigtermDuringABenchmarkExits143WithoutANativeCrash()
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var home = new TempDirectory();
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "hyc.dll"), "bench", "grammar", "--device", "cpu", "--scheduler", "--model", "tiny", "--streams", "4", "--steps", "64", "--rounds", "50", "--json" })
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["HYC_HOME"] = home.Path;
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = new StringWriter();
            var firstRound = new TaskCompletionSource();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (stderr)
                    {
                        stderr.WriteLine(line);
                    }

                    if (line.StartsWith("round 1 ", StringComparison.Ordinal))
                    {
                        firstRound.TrySetResult();
                    }
                }
            };
            process.BeginErrorReadLine();
            try
            {
                await firstRound.Task.WaitAsync(TimeSpan.FromMinutes(2));
                Assert.Equal(0, Kill(process.Id, Sigterm));
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            await stdout;
            string errors;
            lock (stderr)
            {
                errors = stderr.ToString();
            }

            Assert.True(process.ExitCode == 143, $"attempt {attempt}: exit {process.ExitCode}; stderr:\n{errors}");
            Assert.DoesNotContain("terminate called", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("pure virtual", errors, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bench", true)]
    [InlineData("model", true)]
    [InlineData("agent", false)]
    [InlineData("serve", false)]
    [InlineData("up", false)]
    public void OnlyTheCommandsWithoutAHostLeaveThroughExit(string command, bool watched)
    {
        using var watch = TerminationExit.WatchFor([command, "x"]);

        Assert.Equal(watched, watch is not null);
        Assert.Null(TerminationExit.WatchFor([]));
    }

    [Fact]
    public void WithoutASignalTheCodeIsReturned()
    {
        using var watch = TerminationExit.WatchFor(["bench"])!;

        Assert.False(watch.Signalled);
        Assert.Equal(7, watch.Leave(7));
    }

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
