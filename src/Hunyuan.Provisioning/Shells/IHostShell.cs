namespace Hunyuan.Provisioning.Shells;

/// <summary>
/// A shell on a host: over SSH for real hosts, a local /bin/sh for this machine and for tests (a fake docker on
/// PATH). Commands are single strings built with <see cref="ShellQuote"/>; secrets never go in them.
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
}

public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}
