using System.CommandLine;

namespace Hunyuan.Cli.Commands.Model;

/// <summary>`hyc model`: tools for checkpoints and single-process runs.</summary>
internal sealed class ModelCommand : Command
{
    public ModelCommand(CliConsole console)
        : base("model", "Model tools: random checkpoints, single-process runs, header checks")
    {
        Subcommands.Add(new InitTinyCommand(console));
        Subcommands.Add(new RunCommand(console));
        Subcommands.Add(new InspectCommand(console));
    }
}
