using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;

namespace Hunyuan.Cli;

/// <summary>
/// Resolves a model argument for the commands that load a model in this process: a directory, or a built-in name
/// ("tiny", "mini") whose random checkpoint is created once under ~/.hyc/models/NAME (or $HYC_HOME/models/NAME).
/// </summary>
internal static class ModelDirectory
{
    public static string HycHome => Hunyuan.Cluster.State.HycHome.Path;

    public static string Resolve(string argument, CliConsole console) =>
        new BuiltInModelResolver().Resolve(argument, new ConsoleProgress(console)).Path;
}
