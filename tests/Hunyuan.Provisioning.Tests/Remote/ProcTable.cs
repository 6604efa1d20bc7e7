using System.Diagnostics;
using System.Globalization;

namespace Hunyuan.Provisioning.Tests.Remote;

/// <summary>This machine's processes as /proc shows them, for tests that must see what a supervisor left running.</summary>
internal static class ProcTable
{
    /// <summary>Live processes (zombies are exited, only not yet reaped) whose cmdline contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> WithCmdline(string text) =>
        [.. Pids().Where(p => Alive(p) && Read($"/proc/{p}/cmdline").Replace('\0', ' ').Contains(text, StringComparison.Ordinal))];

    /// <summary>Live processes in process group <paramref name="group"/>.</summary>
    public static IReadOnlyList<int> InGroup(int group) =>
        [.. Pids().Where(p => Alive(p) && StatField(p, 4) == group.ToString(CultureInfo.InvariantCulture))];

    public static bool Alive(int pid) => StatField(pid, 2) is { Length: > 0 } state && state != "Z" && state != "X";

    /// <summary>SIGKILL to every live process whose cmdline has <paramref name="text"/>: a test's cleanup, failure or not.</summary>
    public static void KillAll(string text)
    {
        foreach (var pid in WithCmdline(text))
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static Task<bool> WaitUntil(Func<bool> condition, TimeSpan timeout) => WaitUntil(() => Task.FromResult(condition()), timeout);

    public static async Task<bool> WaitUntil(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    private static IEnumerable<int> Pids() => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0).Where(p => p > 0);

    // Fields after the command name, which is in parentheses and may hold spaces: 0 is the pid, 2 the state, 4 the group.
    private static string? StatField(int pid, int index)
    {
        var stat = Read($"/proc/{pid}/stat");
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var rest = stat[(close + 2)..].Split(' ');
        return index == 0 ? stat[..stat.IndexOf(' ', StringComparison.Ordinal)] : rest.ElementAtOrDefault(index - 2);
    }

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
