using System.Globalization;
using System.Text;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Logs;

/// <summary>
/// Reads the logs hyc's processes write under ~/.hyc/clusters/NAME/logs on each node, through the node's shell:
/// everything so far, then (following) what was appended, by byte offset, once per poll interval. The same code reads a
/// local cluster (a shell here) and hosts (SSH); a node that cannot be reached is reported once and the others go on.
/// </summary>
public sealed class ClusterLogReader(string cluster, TimeProvider time)
{
    /// <summary>At most this much of each log is read the first time (the newest part).</summary>
    public const long FirstReadBytes = 8L << 20;

    private string Dir => $"{RemotePaths.Cluster(cluster)}/logs";

    public async Task ReadAsync(IReadOnlyList<LogHost> hosts, LogQuery query, Action<LogLine> sink, Action<string, string> hostError, CancellationToken cancellationToken)
    {
        try
        {
            await ReadCoreAsync(hosts, query, sink, hostError, cancellationToken);
        }
        catch (OperationCanceledException) when (query.Follow && cancellationToken.IsCancellationRequested)
        {
            // Following ends by cancellation (Ctrl-C), whatever read it interrupts; that is not an error.
        }
    }

    private async Task ReadCoreAsync(IReadOnlyList<LogHost> hosts, LogQuery query, Action<LogLine> sink, Action<string, string> hostError, CancellationToken cancellationToken)
    {
        var cursors = new Dictionary<(string Node, string File), Cursor>();
        foreach (var h in hosts.Where(h => h.Error is not null))
        {
            hostError(h.Node, h.Error!);
        }

        var live = hosts.Where(h => h.Shell is not null).ToList();
        foreach (var h in live)
        {
            foreach (var (name, command) in h.Commands)
            {
                var r = await h.Shell!.RunAsync(command, cancellationToken);
                Emit(h.Node, name, r.Stdout + r.Stderr, query, new Cursor(), sink, flush: true);
            }
        }

        do
        {
            foreach (var h in live.ToList())
            {
                try
                {
                    await ReadHostAsync(h, query, cursors, sink, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException && e is IOException or InvalidOperationException or Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException)
                {
                    hostError(h.Node, $"lost while reading its logs: {e.Message}");
                    live.Remove(h);
                }
            }

            if (!query.Follow || live.Count == 0)
            {
                break;
            }

            await Task.Delay(query.PollInterval, time, cancellationToken);
        }
        while (!cancellationToken.IsCancellationRequested);
    }

    /// <summary>The names of the log files in the cluster's log directory on a node.</summary>
    public async Task<IReadOnlyList<string>> FilesAsync(IHostShell shell, CancellationToken cancellationToken)
    {
        var r = await shell.RunAsync($"for f in \"{Dir}\"/*.log; do [ -f \"$f\" ] && basename \"$f\"; done; true", cancellationToken);
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>A whole log file (its newest <paramref name="maxBytes"/>), for a debug bundle.</summary>
    public async Task<string> ReadFileAsync(IHostShell shell, string file, long maxBytes, CancellationToken cancellationToken) =>
        (await shell.RunAsync($"tail -c {maxBytes.ToString(CultureInfo.InvariantCulture)} \"{Dir}/{file}\"", cancellationToken)).Stdout;

    private async Task ReadHostAsync(LogHost h, LogQuery query, Dictionary<(string, string), Cursor> cursors, Action<LogLine> sink, CancellationToken cancellationToken)
    {
        foreach (var file in (await FilesAsync(h.Shell!, cancellationToken)).Where(h.Owns))
        {
            if (!cursors.TryGetValue((h.Node, file), out var cursor))
            {
                cursor = new Cursor();
                cursors[(h.Node, file)] = cursor;
            }

            // Size first, then the bytes up to it: a line being written now is read whole on the next round.
            var sizeText = (await h.Shell!.RunAsync($"wc -c < \"{Dir}/{file}\"", cancellationToken)).Stdout.Trim();
            if (!long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size == cursor.Offset)
            {
                continue;
            }

            if (size < cursor.Offset)
            {
                cursor.Offset = 0;   // rotated or truncated: start over
            }

            var from = cursor.Offset == 0 ? Math.Max(0, size - FirstReadBytes) : cursor.Offset;
            var chunk = await h.Shell.RunAsync(
                $"tail -c +{(from + 1).ToString(CultureInfo.InvariantCulture)} \"{Dir}/{file}\" | head -c {(size - from).ToString(CultureInfo.InvariantCulture)}", cancellationToken);
            cursor.Offset = from + Encoding.UTF8.GetByteCount(chunk.Stdout);
            Emit(h.Node, Path.GetFileNameWithoutExtension(file), chunk.Stdout, query, cursor, sink, flush: !query.Follow);
        }
    }

    private static void Emit(string node, string source, string text, LogQuery query, Cursor cursor, Action<LogLine> sink, bool flush)
    {
        var all = cursor.Partial + text;
        var end = flush ? all.Length : all.LastIndexOf('\n') + 1;
        cursor.Partial = all[end..];
        foreach (var line in all[..end].Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (LogTimestamps.Of(line) is { } at)
            {
                cursor.LastTime = at;
            }

            // Without --since every line counts; with it, a line counts by its own time or the last one seen above it.
            if (query.Since is not { } since || cursor.LastTime >= since)
            {
                sink(new LogLine(node, source, line.TrimEnd('\r')));
            }
        }
    }

    private sealed class Cursor
    {
        public long Offset { get; set; }

        public string Partial { get; set; } = "";

        public DateTimeOffset? LastTime { get; set; }
    }
}
