using System.Text.RegularExpressions;
using Hunyuan.Cli.Tests.TestSupport;

namespace Hunyuan.Cli.Tests;

/// <summary>
/// The CLI parses, calls the application layer and renders; it never talks SSH, starts processes or sets up an Orleans
/// client itself (those live in src/Hunyuan.Cluster and below). Read from the sources, so a new reference fails here.
/// </summary>
public sealed partial class CliLayeringTests
{
    [Fact]
    public void TheCliHoldsNoSshNoProcessesAndNoOrleansClientSetup()
    {
        var cli = Path.Combine(RepositoryPaths.Root(), "cli");
        var files = Directory.EnumerateFiles(cli, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count > 20, $"found only {files.Count} source files under {cli}");

        var offenders = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(cli, f), Line: i + 1, Text: line)))
            .Where(l => Forbidden().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, "the CLI must only parse, call and render:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheForbiddenPatternsCatchWhatTheyAreFor()
    {
        Assert.Matches(Forbidden(), "using Renci.SshNet;");
        Assert.Matches(Forbidden(), "var psi = new ProcessStartInfo(\"kill\");");
        Assert.Matches(Forbidden(), "using var p = System.Diagnostics.Process.GetProcessById(pid);");
        Assert.Matches(Forbidden(), "Process.Start(psi)");
        Assert.Matches(Forbidden(), "builder.UseOrleansClient(c => { });");
        Assert.DoesNotMatch(Forbidden(), "var sw = Stopwatch.StartNew();");
    }

    [GeneratedRegex(@"Renci\.SshNet|\bProcessStartInfo\b|\bProcess\.(Start|GetProcessById|GetCurrentProcess|GetProcesses)\b|System\.Diagnostics\.Process\b|UseOrleansClient|\bIClientBuilder\b|ClientBuilder\(")]
    private static partial Regex Forbidden();
}
