namespace Hunyuan.Provisioning.Shells;

/// <summary>
/// A shell on a host: over SSH for real hosts, a local /bin/sh for this machine and for tests (a fake docker on
/// PATH). Commands are single strings built with <see cref="ShellQuote"/>; secrets never go in them.
/// </summary>
public interface IHostShell
{
    string Host { get; }

    Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default);
}

public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;
}
