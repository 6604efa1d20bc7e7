using Hunyuan.Cli;
using Hunyuan.Cli.Startup;
using Hunyuan.Model.Native;

// Before anything else: a compute command re-executes itself once with jemalloc preloaded (JemallocPreload says why).
if (JemallocPreload.Decide(args, Environment.GetEnvironmentVariable, File.Exists, out var mallocError) is { } jemalloc)
{
    JemallocPreload.Reexecute(jemalloc);
}
else if (mallocError is not null)
{
    return CliConsole.System.Fail(ExitCodes.InvalidArguments, mallocError);
}

JemallocPreload.RestoreEnvironment();

// Also before libtorch's first allocation, which is when it reads the setting (TorchHugePages says why).
if (TorchHugePages.ShouldEnable(args, Environment.GetEnvironmentVariable, TorchHugePages.ReadKernelSetting()))
{
    TorchHugePages.Enable();
}

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

// After SIGINT or SIGTERM `bench` and `model` leave through _exit, so libtorch's static destructors never run under
// threads that are still computing (TerminationExit says why).
using var termination = TerminationExit.WatchFor(args);
var code = await HycRootCommand.InvokeAsync(CliConsole.System, args);
return termination?.Leave(code) ?? code;
