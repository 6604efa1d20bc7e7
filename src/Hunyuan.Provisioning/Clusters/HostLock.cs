using System.Globalization;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Clusters;

/// <summary>
/// One `up` or `down` of a cluster at a time on each host, whichever machine runs it: flock(1) on
/// ~/.hyc/clusters/NAME/hyc.lock, held by a command on the host that lives as long as this run's handle (it reads its
/// stdin to the end, so a crashed run or a dropped connection releases it too). A run that finds it held waits a
/// bounded time, then fails naming the host and who holds it.
/// </summary>
public static class HostLock
{
    public const string FileName = "hyc.lock";

    /// <summary>
    /// Prints "locked" and holds the lock until stdin ends, or "busy HOLDER" (exit 75) after <paramref name="wait"/>.
    /// The holder note (who, from where, since when) goes to a file beside the lock, for the next one to report.
    /// </summary>
    public static string Script(string cluster, TimeSpan wait, string holder)
    {
        var seconds = ((int)Math.Ceiling(Math.Max(0, wait.TotalSeconds))).ToString(CultureInfo.InvariantCulture);
        return $"d=\"$HOME/{RemotePaths.RelativeCluster(cluster)}\"; f=\"$d/{FileName}\"; "
            + "mkdir -p \"$d\" && chmod 700 \"$HOME/.hyc\" \"$d\" || exit 1; "
            + "command -v flock >/dev/null 2>&1 || { echo 'missing flock(1) (util-linux)'; exit 1; }; "
            + "exec 9>>\"$f\" || exit 1; "
            + $"if flock -w {seconds} 9; then printf '%s\\n' {ShellQuote.Word(holder)} > \"$f.holder\"; echo locked; exec cat > /dev/null; "
            + "else echo \"busy $(cat \"$f.holder\" 2>/dev/null)\"; exit 75; fi";
    }

    /// <summary>What this run says about itself in the holder note (no secrets: it is on a command line).</summary>
    public static string Holder(string operation) =>
        string.Create(CultureInfo.InvariantCulture, $"hyc {operation} by {Environment.UserName}@{Environment.MachineName} (pid {Environment.ProcessId}) since {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");

    /// <summary>Takes the host's lock for <paramref name="cluster"/>; dispose the result to release it.</summary>
    public static async Task<IAsyncDisposable> AcquireAsync(IHostShell shell, string cluster, string holder, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var running = await shell.StartAsync(Script(cluster, wait, holder), cancellationToken);
        string? line;
        try
        {
            line = await running.ReadLineAsync(cancellationToken).WaitAsync(wait + TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }

        if (line == "locked")
        {
            return running;
        }

        await running.DisposeAsync();
        if (line?.StartsWith("busy", StringComparison.Ordinal) == true)
        {
            var who = line["busy".Length..].Trim();
            throw new ProvisionException(string.Create(CultureInfo.InvariantCulture,
                $"{shell.Host}: another `hyc up` or `hyc down` of cluster '{cluster}' holds its lock on this host ({(who.Length > 0 ? who : "holder unknown")}); waited {wait.TotalSeconds:F0} s. Run again once it has finished"));
        }

        throw new ProvisionException($"{shell.Host}: cannot take the lock ~/{RemotePaths.RelativeCluster(cluster)}/{FileName}: {line ?? "the command ended without a word"}");
    }
}
