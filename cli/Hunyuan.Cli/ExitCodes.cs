namespace Hunyuan.Cli;

/// <summary>Process exit codes; each command documents which it uses.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>System.CommandLine's own code for a command line it cannot parse.</summary>
    public const int InvalidCommandLine = 1;

    /// <summary>Arguments parsed but make no sense together (a bad id list, an unknown dtype).</summary>
    public const int InvalidArguments = 2;

    /// <summary>config.json cannot describe a model we run (the message names the key).</summary>
    public const int BadConfig = 3;

    /// <summary>The checkpoint is missing tensors, has wrong shapes or dtypes, or is truncated.</summary>
    public const int BadCheckpoint = 4;

    /// <summary>A file or directory the command needs does not exist or cannot be written.</summary>
    public const int FileError = 5;

    /// <summary>`hyc plan`: the deployment does not fit the GPUs (the verdict says why).</summary>
    public const int DoesNotFit = 6;

    /// <summary>The requested layout cannot work (heads, KV heads, experts, CLA pairs, too few GPUs).</summary>
    public const int InvalidLayout = 7;

    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Cancelled = 130;
}
