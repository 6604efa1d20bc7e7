namespace Hunyuan.Provisioning.Shells;

/// <summary>
/// A shell on a host: over SSH for real hosts, a local /bin/sh for this machine and for tests (a fake docker on
/// PATH), or `docker exec` into a container on either. Commands are single strings built with
/// <see cref="ShellQuote"/>; secrets never go in them.
/// </summary>
public interface IHostShell
{
    string Host { get; }

    Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a file (path relative to the login's home) with a mode, never through a command line: private keys and
    /// passwords must not appear in any process's argv.
    /// </summary>
    Task WriteFileAsync(string relativePath, byte[] content, UnixFileMode mode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies a local file to a path relative to the login's home, streamed (agent bundles are hundreds of MB);
    /// <paramref name="bytesWritten"/> hears the bytes of this file written so far, for progress.
    /// </summary>
    Task UploadFileAsync(string localPath, string relativePath, UnixFileMode mode, Action<long>? bytesWritten = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a command that runs alongside this shell's other commands until the handle is disposed, which closes its
    /// stdin; a command that reads stdin to its end (a lock holder) thus lives exactly as long as the handle, or the
    /// connection.
    /// </summary>
    Task<IRunningCommand> StartAsync(string command, CancellationToken cancellationToken = default);
}

/// <summary>A command started by <see cref="IHostShell.StartAsync"/>; disposing it closes its stdin and waits a moment for it to end.</summary>
public interface IRunningCommand : IAsyncDisposable
{
    /// <summary>The next line of its stdout; null at the end.</summary>
    Task<string?> ReadLineAsync(CancellationToken cancellationToken = default);
}

public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}
