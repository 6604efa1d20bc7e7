using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;

namespace Hunyuan.Cli;

/// <summary>Maps the model layer's errors to exit codes and one clear line on stderr.</summary>
internal static class CommandErrors
{
    public static async Task<int> GuardAsync(CliConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ConfigException ex)
        {
            return console.Fail(ExitCodes.BadConfig, ex.Message);
        }
        catch (CheckpointException ex)
        {
            return console.Fail(ExitCodes.BadCheckpoint, ex.Message);
        }
        catch (IOException ex)
        {
            return console.Fail(ExitCodes.FileError, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return console.Fail(ExitCodes.InvalidArguments, ex.Message);
        }
    }

    public static int Guard(CliConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ConfigException ex)
        {
            return console.Fail(ExitCodes.BadConfig, ex.Message);
        }
        catch (CheckpointException ex)
        {
            return console.Fail(ExitCodes.BadCheckpoint, ex.Message);
        }
        catch (IOException ex)
        {
            return console.Fail(ExitCodes.FileError, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return console.Fail(ExitCodes.FileError, ex.Message);
        }
    }
}
