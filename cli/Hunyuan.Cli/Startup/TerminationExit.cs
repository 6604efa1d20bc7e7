using System.Runtime.InteropServices;

namespace Hunyuan.Cli.Startup;

/// <summary>
/// How hyc leaves after SIGINT or SIGTERM. The command line's own handling cancels the command and, when it has not
/// returned within two seconds, returns 130 or 143 anyway; a command whose rank or scheduler threads are still inside
/// libtorch then ends in the runtime's normal exit, which runs libtorch's static destructors under those threads
/// ("pure virtual method called", SIGSEGV, exit 134 or 139 instead of 143). So the runtime's default action on those
/// signals is cancelled, and once the command has returned (or been given up) the process ends with _exit after the
/// console is flushed: the command's exit code is kept, native destructors are skipped. Without a signal nothing changes.
/// Only for `bench` and `model`: `agent` and `serve` stop through their host, whose own signal handling lets a graceful
/// shutdown finish at process exit, which an early _exit would cut short.
/// </summary>
internal sealed class TerminationExit : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private int _signalled;

    private TerminationExit()
    {
        // The command line's handler cancels the command; the runtime's default action (exit at once, destructors and
        // all) is what this replaces, so the command returns first and Leave ends the process.
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Record), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Record)];
    }

    /// <summary>True once SIGINT or SIGTERM has arrived.</summary>
    public bool Signalled => Volatile.Read(ref _signalled) != 0;

    /// <summary>A watch for the commands that need one (see the class), else null.</summary>
    public static TerminationExit? WatchFor(IReadOnlyList<string> args) =>
        args.Count > 0 && args[0] is ("bench" or "model") ? new TerminationExit() : null;

    /// <summary>
    /// <paramref name="code"/> as the process's exit code: returned when no termination signal came and the code is not
    /// 130 or 143, else the process ends here, through _exit after flushing standard output and error.
    /// </summary>
    public int Leave(int code)
    {
        // The command line's own handler runs before this class's and returns 130 or 143 for a command it gave up on,
        // possibly before this class has seen the signal: those codes count as a signal too.
        if (!Signalled && code is not (ExitCodes.Cancelled or ExitCodes.Terminated))
        {
            return code;
        }

        Console.Out.Flush();
        Console.Error.Flush();
        ExitImmediately(code);
        return code;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Record(PosixSignalContext context)
    {
        Volatile.Write(ref _signalled, 1);
        context.Cancel = true;
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitImmediately(int status);
}
