using Hunyuan.Cluster.Services;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;

namespace Hunyuan.Cli;

/// <summary>Maps the layers' errors to exit codes and one clear line on stderr.</summary>
internal static class CommandErrors
{
    public static async Task<int> GuardAsync(CliConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (ExitCodeFor(ex) is { } code)
        {
            return console.Fail(code, ex.Message);
        }
    }

    public static int Guard(CliConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ExitCodeFor(ex) is { } code)
        {
            return console.Fail(code, ex.Message);
        }
    }

    /// <summary>The exit code of an expected failure; null for a bug, which should surface with its stack.</summary>
    public static int? ExitCodeFor(Exception ex) => ex switch
    {
        ClusterException c => ExitCodes.For(c.Failure),
        LayoutException => ExitCodes.InvalidLayout,
        ConfigException => ExitCodes.BadConfig,
        CheckpointException => ExitCodes.BadCheckpoint,
        IOException or UnauthorizedAccessException => ExitCodes.FileError,
        ArgumentException => ExitCodes.InvalidArguments,
        _ => null,
    };
}
