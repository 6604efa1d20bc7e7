using System.CommandLine;
using Hunyuan.Cli.Commands.Bench;
using Hunyuan.Cli.Commands.Cluster;
using Hunyuan.Cli.Commands.Diagnostics;
using Hunyuan.Cli.Commands.Local;
using Hunyuan.Cli.Commands.Model;
using Hunyuan.Cli.Commands.Plan;
using Hunyuan.Cli.Commands.Provision;
using Hunyuan.Cli.Commands.Serve;

namespace Hunyuan.Cli;

/// <summary>The `hyc` command tree. Tests build it with their own console to read what commands print.</summary>
internal static class HycRootCommand
{
    public static RootCommand Create(CliConsole console) => new("hyc: provision GPU hosts, deploy Hunyuan-Large, serve it over an OpenAI-compatible API")
    {
        new PreflightCommand(console),
        new UpCommand(console),
        new DownCommand(console),
        new AgentCommand(console),
        new DeployCommand(console),
        new UndeployCommand(console),
        new StatusCommand(console),
        new HealthCommand(console),
        new ServeCommand(console),
        new PlanCommand(console),
        new ModelCommand(console),
        new BenchCommand(console),
        new LogsCommand(console),
        new DebugBundleCommand(console),
    };

    /// <summary>Parses and runs; a command line that does not parse exits with InvalidArguments, like arguments that do not make sense.</summary>
    public static async Task<int> InvokeAsync(CliConsole console, string[] args)
    {
        var parse = Create(console).Parse(args);
        var code = await parse.InvokeAsync();
        return parse.Errors.Count > 0 && code != ExitCodes.Success ? ExitCodes.InvalidArguments : code;
    }
}
