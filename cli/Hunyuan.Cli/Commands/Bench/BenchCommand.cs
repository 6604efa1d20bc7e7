using System.CommandLine;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>`hyc bench`: the measurements behind BENCHMARKS.md. Benchmarks, never tests: they report, not assert.</summary>
internal sealed class BenchCommand : Command
{
    public BenchCommand(CliConsole console)
        : base("bench", "Benchmarks whose results go in BENCHMARKS.md")
    {
        Subcommands.Add(new BenchDecodeCommand(console));
        Subcommands.Add(new BenchOpsCommand(console));
        Subcommands.Add(new BenchLayoutsCommand(console));
        Subcommands.Add(new BenchClusterCommand(console));
        Subcommands.Add(new BenchDataPlaneCommand(console));
        Subcommands.Add(new BenchStreamsCommand(console));
        Subcommands.Add(new BenchPipelineCommand(console));
        Subcommands.Add(new BenchLoadCommand(console));
        Subcommands.Add(new BenchGrammarCommand(console));
        Subcommands.Add(new BenchPrefixCommand(console));
    }
}
