namespace Hunyuan.Grains.Processes;

/// <summary>Runs a local program (nvidia-smi and the like); behind an interface so unit tests use a fake.</summary>
public interface IProcessRunner
{
    /// <summary>Runs <paramref name="fileName"/> with arguments (never a shell); a missing program gives exit code 127.</summary>
    Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default);
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);
