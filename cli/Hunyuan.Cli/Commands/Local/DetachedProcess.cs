using System.Diagnostics;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>
/// Starts `hyc` itself as a background process in its own session (setsid), stdin from /dev/null and output to a log
/// file, so it outlives the command that started it and holds none of its pipes.
/// </summary>
internal static class DetachedProcess
{
    public static Process StartHyc(IReadOnlyList<string> arguments, string logFile)
    {
        var (program, prefix) = HycInvocation();
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec setsid \"$0\" \"$@\" > \"$HYC_LOG_FILE\" 2>&1 < /dev/null");
        psi.ArgumentList.Add(program);
        foreach (var a in prefix.Concat(arguments))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HYC_LOG_FILE"] = logFile;
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start a background hyc");
    }

    /// <summary>How this hyc was started: the apphost, or `dotnet hyc.dll`.</summary>
    private static (string Program, string[] Prefix) HycInvocation()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var dll = Path.Combine(AppContext.BaseDirectory, "hyc.dll");
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? (path, [dll]) : (path, []);
    }
}
