using System.CommandLine;
using Hunyuan.Cluster.Logs;
using Hunyuan.Cluster.Services;

namespace Hunyuan.Cli.Commands.Diagnostics;

/// <summary>
/// `hyc debug-bundle [--cluster NAME] [-o FILE]`: one tar.gz (0600) with every host's logs, `status --json`, preflight
/// results, versions (hyc, .NET, libtorch, kernel, driver and GPUs, docker) and the host list, every secret the cluster
/// has (Redis password, API keys, the SSH password) redacted. A host that cannot be reached is in the bundle with its
/// error. Exit codes: Success, ClusterUnreachable (no such cluster), FileError.
/// </summary>
internal sealed class DebugBundleCommand : Command
{
    private static readonly Option<string> ClusterOption = new("--cluster") { Description = "Cluster name", DefaultValueFactory = _ => "local" };
    private static readonly Option<string?> OutputOption = new("--output", "-o") { Description = "The bundle's path (default hyc-debug-CLUSTER-TIME.tar.gz here)" };

    private readonly CliConsole _console;

    public DebugBundleCommand(CliConsole console)
        : base("debug-bundle", "Write one tar.gz with every host's logs, status, preflight and versions, secrets redacted")
    {
        _console = console;
        Options.Add(ClusterOption);
        Options.Add(OutputOption);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var cluster = r.GetRequiredValue(ClusterOption);
        var path = r.GetValue(OutputOption) ?? $"hyc-debug-{cluster}-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.tar.gz";
        var report = await new ClusterDiagnostics(ClusterService.CreateDefault(), TimeProvider.System).DebugBundleAsync(cluster, path, new ConsoleProgress(_console), cancellationToken);
        foreach (var (host, error) in report.HostErrors)
        {
            _console.Human($"warning: {host}: {error} (the bundle holds this error)");
        }

        _console.Human($"wrote {report.Path}: {report.Entries.Count} files, {report.SecretsRedacted} secret(s) redacted wherever they appeared");
        return ExitCodes.Success;
    }
}
