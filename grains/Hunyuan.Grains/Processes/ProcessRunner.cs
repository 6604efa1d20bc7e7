using System.ComponentModel;
using System.Diagnostics;

namespace Hunyuan.Grains.Processes;

/// <summary>The real thing: System.Diagnostics.Process, killed (with its children) at the timeout.</summary>
public sealed class ProcessRunner : IProcessRunner
{
    public async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        }
        catch (Win32Exception ex)
        {
            return new ProcessResult(127, "", $"{fileName}: {ex.Message}");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return new ProcessResult(124, "", $"{fileName} did not finish within {timeout.TotalSeconds:F0} s");
            }

            return new ProcessResult(process.ExitCode, await stdout, await stderr);
        }
    }
}
