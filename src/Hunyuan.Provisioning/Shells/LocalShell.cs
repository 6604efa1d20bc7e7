using System.Diagnostics;

namespace Hunyuan.Provisioning.Shells;

/// <summary>/bin/sh -c on this machine, with optional environment overrides (tests put a fake docker first on PATH).</summary>
public sealed class LocalShell(IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) : IHostShell
{
    public string Host => "localhost";

    public async Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start /bin/sh");
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);

            // The caller's cancellation (Ctrl-C, a follow ending) is not the command's timeout: it ends the caller's work.
            cancellationToken.ThrowIfCancellationRequested();
            return new ShellResult(124, "", $"timed out: {command}");
        }

        return new ShellResult(p.ExitCode, await stdout, await stderr);
    }

    public Task<IRunningCommand> StartAsync(string command, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start /bin/sh");
        _ = p.StandardError.ReadToEndAsync(CancellationToken.None);
        return Task.FromResult<IRunningCommand>(new RunningProcess(p));
    }

    public async Task WriteFileAsync(string relativePath, byte[] content, UnixFileMode mode, CancellationToken cancellationToken = default)
    {
        var path = HomePath(relativePath);
        var tmp = path + ".hyc-tmp";
        File.Delete(tmp);

        // Created with its final mode, so a secret is never readable by others, not even for a moment.
        await using (var stream = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            await stream.WriteAsync(content, cancellationToken);
        }

        File.SetUnixFileMode(tmp, mode);
        File.Move(tmp, path, overwrite: true);
    }

    public Task UploadFileAsync(string localPath, string relativePath, UnixFileMode mode, Action<long>? bytesWritten = null, CancellationToken cancellationToken = default) => Task.Run(() =>
    {
        var path = HomePath(relativePath);
        var tmp = path + ".hyc-tmp";
        File.Copy(localPath, tmp, overwrite: true);
        bytesWritten?.Invoke(new FileInfo(tmp).Length);
        File.SetUnixFileMode(tmp, mode);
        File.Move(tmp, path, overwrite: true);
    }, cancellationToken);

    private string HomePath(string relativePath)
    {
        var home = environment?.GetValueOrDefault("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var path = Path.Combine(home, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private sealed class RunningProcess(Process process) : IRunningCommand
    {
        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken = default) => await process.StandardOutput.ReadLineAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }
}
