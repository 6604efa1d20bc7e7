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
}

public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}
