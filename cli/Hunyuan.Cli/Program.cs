using Hunyuan.Cli;
using Hunyuan.Model.Native;

// First, before any command can touch TorchSharp: once `torch` initialises it has bound whichever libtorch it found,
// so HYC_LIBTORCH_DIR's must already be loaded by then. A refused tree exits with FileError before anything loads.
try
{
    LibTorchLoader.LoadFromEnvironment();
}
catch (LibTorchException e)
{
    return CliConsole.System.Fail(ExitCodes.FileError, e.Message);
}

return await HycRootCommand.InvokeAsync(CliConsole.System, args);
