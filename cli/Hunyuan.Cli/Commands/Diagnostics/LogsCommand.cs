using System.CommandLine;
using System.Globalization;
using Hunyuan.Cluster.Logs;
using Hunyuan.Cluster.Services;

namespace Hunyuan.Cli.Commands.Diagnostics;

/// <summary>
/// `hyc logs [--cluster NAME] [--node N] [--follow] [--since 10m]`: the agents', endpoints' and Redis's logs of every
/// node (files here for a local cluster, over SSH for hosts), each line prefixed with its node and log. Exit codes:
/// Success, InvalidArguments (an unknown node or a bad --since), ClusterUnreachable (no such cluster).
/// </summary>
internal sealed class LogsCommand : Command
{
    private static readonly Option<string> ClusterOption = new("--cluster") { Description = "Cluster name", DefaultValueFactory = _ => "local" };
    private static readonly Option<string?> NodeOption = new("--node") { Description = "Only this node's logs" };
    private static readonly Option<bool> FollowOption = new("--follow", "-f") { Description = "Keep printing what is appended until Ctrl-C" };
    private static readonly Option<string?> SinceOption = new("--since") { Description = "Only lines from this long ago on: 90s, 10m, 2h, 1d" };

    private readonly CliConsole _console;

    public LogsCommand(CliConsole console)
        : base("logs", "Print (and follow) the logs of every node of a cluster")
    {
        _console = console;
        foreach (var o in new Option[] { ClusterOption, NodeOption, FollowOption, SinceOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = TimeSpan.Zero;
        if (text.Length < 2 || !double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            return false;
        }

        age = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.MinValue,
        };
        return age != TimeSpan.MinValue;
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        DateTimeOffset? since = null;
        if (r.GetValue(SinceOption) is { } text)
        {
            if (!TryParseAge(text, out var age))
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--since: '{text}' is not an age such as 90s, 10m, 2h or 1d");
            }

            since = DateTimeOffset.UtcNow - age;
        }

        var query = new LogQuery(r.GetValue(NodeOption), since, r.GetValue(FollowOption));
        var print = new Lock();
        await new ClusterDiagnostics(ClusterService.CreateDefault(), TimeProvider.System).LogsAsync(r.GetRequiredValue(ClusterOption), query,
            line =>
            {
                lock (print)
                {
                    _console.Out.WriteLine($"{line.Node} {line.Source}| {line.Text}");
                }
            },
            (node, error) => _console.Human($"warning: {node}: {error}"),
            cancellationToken);
        return ExitCodes.Success;
    }
}
