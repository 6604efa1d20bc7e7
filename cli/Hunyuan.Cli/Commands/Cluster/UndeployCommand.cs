using System.CommandLine;
using Hunyuan.Cluster.Services;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>
/// `hyc undeploy NAME`: stops the deployment's OpenAI endpoint, unloads its ranks (their GPU memory is free again) and
/// forgets it, so neither `hyc status` nor a restarted head brings it back. The rest of the cluster keeps serving.
/// Exit codes: Success, InvalidArguments (no such deployment; the message lists the cluster's), ClusterUnreachable.
/// </summary>
internal sealed class UndeployCommand : Command
{
    private static readonly Argument<string> NameArgument = new("NAME") { Description = "The deployment's name (as `hyc status` lists it)" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print what was done as JSON to stdout" };

    private readonly CliConsole _console;

    public UndeployCommand(CliConsole console)
        : base("undeploy", "Stop a deployment's endpoint, unload its ranks and forget it")
    {
        _console = console;
        Arguments.Add(NameArgument);
        ClusterTargetOptions.AddTo(this);
        Options.Add(JsonOption);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var name = r.GetRequiredValue(NameArgument);
        var report = await ClusterService.CreateDefault().UndeployAsync(ClusterTargetOptions.Read(r), name, ClusterTargetOptions.ConnectTimeout(r), new ConsoleProgress(_console), cancellationToken);
        if (r.GetValue(JsonOption))
        {
            _console.Json(report, CliJsonContext.Default.UndeployReport);
        }

        _console.Human(report.Removed
            ? $"undeployed {name}{(report.EndpointStopped ? " and stopped its endpoint" : "")}"
            : $"{name} was no longer deployed{(report.EndpointStopped ? "; its leftover endpoint stopped" : "")}");
        return ExitCodes.Success;
    }
}
