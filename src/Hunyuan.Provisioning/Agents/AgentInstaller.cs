using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Agents;

/// <summary>
/// Puts an agent bundle on a host under ~/.hyc/agents/ID. Check-then-converge: a bundle whose directory is complete is
/// left alone. Files go to ID.partial and the directory is renamed only once every file is there, so an interrupted
/// upload never looks installed and the next `up` starts it again.
/// </summary>
public static class AgentInstaller
{
    private const string CompleteMarker = ".complete";
    private const string ManifestName = ".manifest";

    public static async Task<bool> IsInstalledAsync(IHostShell shell, AgentBundle bundle, CancellationToken cancellationToken = default)
    {
        var r = await shell.RunAsync($"cat \"$HOME/{RemotePaths.RelativeBundle(bundle.Id)}/{CompleteMarker}\" 2>/dev/null", cancellationToken);
        return r.Ok && r.Stdout.Trim() == bundle.Id;
    }

    /// <summary>Installs the bundle unless it is there; true when it uploaded. Progress gets a line per tenth of the bytes.</summary>
    public static async Task<bool> EnsureAsync(IHostShell shell, AgentBundle bundle, Action<string> progress, CancellationToken cancellationToken = default)
    {
        if (await IsInstalledAsync(shell, bundle, cancellationToken))
        {
            return false;
        }

        var partial = RemotePaths.RelativeBundle(bundle.Id) + ".partial";
        var directories = bundle.Files.Select(f => Path.GetDirectoryName(f.RelativePath)!).Where(d => d.Length > 0).Distinct()
            .Select(d => "\"$HOME\"/" + ShellQuote.Word($"{partial}/{d}"));
        await MustAsync(shell, $"umask 022 && mkdir -p \"$HOME/.hyc\" && chmod 700 \"$HOME/.hyc\" && rm -rf \"$HOME/{partial}\" && mkdir -p {string.Join(' ', directories)}", cancellationToken);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var reused = await ReuseEarlierFilesAsync(shell, bundle, partial, cancellationToken);
        var toSend = bundle.Files.Where(f => !reused.Contains(f.RelativePath)).ToList();
        if (reused.Count > 0)
        {
            progress($"reused {reused.Count} unchanged file(s), {bundle.Files.Where(f => reused.Contains(f.RelativePath)).Sum(f => f.Length) >> 20} MiB, from an earlier agent on this host; {toSend.Count} to send");
        }

        var total = toSend.Sum(f => f.Length);
        long sent = 0;
        var nextReport = total / 10;
        var gate = new Lock();
        var sending = System.Diagnostics.Stopwatch.StartNew();
        foreach (var file in toSend)
        {
            var before = sent;
            await shell.UploadFileAsync(file.LocalPath, $"{partial}/{file.RelativePath}", file.Mode, written =>
            {
                // Called from the transfer as it goes (libtorch alone is most of the bundle), possibly from its threads.
                var now = before + written;
                lock (gate)
                {
                    if (now < nextReport || now >= total)
                    {
                        return;
                    }

                    nextReport = now + (total / 10);
                }

                progress(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"agent upload {now * 100 / Math.Max(1, total)}% ({now >> 20} of {total >> 20} MiB, {now / Math.Max(0.001, sending.Elapsed.TotalSeconds) / (1 << 20):F1} MiB/s)"));
            }, cancellationToken);
            sent += file.Length;
        }

        await shell.WriteFileAsync($"{partial}/{ManifestName}", System.Text.Encoding.UTF8.GetBytes(bundle.Manifest), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, cancellationToken);
        var final = $"\"$HOME/{RemotePaths.RelativeBundle(bundle.Id)}\"";
        await MustAsync(shell, $"printf '%s\\n' {bundle.Id} > \"$HOME/{partial}/{CompleteMarker}\" && rm -rf {final} && mv \"$HOME/{partial}\" {final}", cancellationToken);
        progress(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"agent {bundle.Id} installed: {bundle.Files.Count} files, {total >> 20} MiB sent in {started.Elapsed.TotalSeconds:F1} s ({total / Math.Max(0.001, sending.Elapsed.TotalSeconds) / (1 << 20):F1} MiB/s)"));
        return true;
    }

    /// <summary>
    /// Hard-links (or copies) into the new bundle every file an earlier complete bundle on the host has with the same
    /// content, length and mode, so an upgrade sends what changed (hyc's assemblies) and not libtorch again.
    /// </summary>
    private static async Task<HashSet<string>> ReuseEarlierFilesAsync(IHostShell shell, AgentBundle bundle, string partial, CancellationToken cancellationToken)
    {
        var listing = await shell.RunAsync(
            $"for m in \"$HOME/.hyc/agents\"/*/{ManifestName}; do [ -f \"$m\" ] || continue; d=${{m%/{ManifestName}}}; [ -f \"$d/{CompleteMarker}\" ] || continue; awk -v d=\"$d\" '{{print d, $0}}' \"$m\"; done",
            cancellationToken);
        var earlier = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<dir> <sha256> <length> <mode> <relative path>"; directories and paths hold no spaces (ids, file names of a build).
            var parts = line.Split(' ', 5);
            if (parts.Length == 5)
            {
                earlier.TryAdd($"{parts[1]} {parts[2]} {parts[3]}", $"{parts[0]}/{parts[4]}");
            }
        }

        var links = bundle.Files
            .Select(f => (File: f, Source: earlier.GetValueOrDefault($"{f.Sha256} {f.Length} {Convert.ToString((int)f.Mode, 8)}")))
            .Where(x => x.Source is not null)
            .ToList();
        var reused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in links.Chunk(100))
        {
            var script = string.Join("\n", chunk.Select(x =>
            {
                var target = "\"$HOME\"/" + ShellQuote.Word($"{partial}/{x.File.RelativePath}");
                var source = ShellQuote.Word(x.Source!);
                return $"{{ ln -f {source} {target} 2>/dev/null || cp -p {source} {target}; }} && echo {ShellQuote.Word(x.File.RelativePath)}";
            }));
            var r = await shell.RunAsync(script, cancellationToken);
            foreach (var done in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                reused.Add(done);
            }
        }

        return reused;
    }

    /// <summary>
    /// Records that <paramref name="cluster"/> runs <paramref name="bundleId"/> on this host (clusters/NAME/agent.bundle):
    /// bundles are shared by every cluster on a host, and only this record tells a purge or a prune which are whose.
    /// </summary>
    public static async Task UseAsync(IHostShell shell, string cluster, string bundleId, CancellationToken cancellationToken = default) =>
        await MustAsync(shell, $"mkdir -p \"$HOME/{RemotePaths.RelativeCluster(cluster)}\" && printf '%s\\n' {ShellQuote.Word(bundleId)} > \"$HOME/{RemotePaths.RelativeCluster(cluster)}/{BundleRecordName}\"", cancellationToken);

    /// <summary>
    /// Removes the bundles no cluster on this host records (old versions, interrupted uploads) but <paramref name="keepId"/>;
    /// run once the agent runs on that one. A cluster directory without a record (an older hyc's, or one whose `up` is
    /// still uploading) could be using any bundle, so then nothing is removed.
    /// </summary>
    public static async Task<int> PruneAsync(IHostShell shell, string keepId, CancellationToken cancellationToken = default)
    {
        var r = await MustAsync(shell,
            $"cd \"$HOME/.hyc/agents\" 2>/dev/null || {{ echo 0; exit 0; }}; "
            + $"for c in \"$HOME/.hyc/clusters\"/*/; do [ -d \"$c\" ] && [ ! -f \"$c{BundleRecordName}\" ] && {{ echo 0; exit 0; }}; done; "
            + $"used=$(cat \"$HOME/.hyc/clusters\"/*/{BundleRecordName} 2>/dev/null); n=0; "
            + $"for d in *; do [ -e \"$d\" ] || continue; id=${{d%.partial}}; [ \"$id\" = {ShellQuote.Word(keepId)} ] && continue; "
            + "printf '%s\\n' $used | grep -qxF \"$id\" && continue; rm -rf \"$d\" && n=$((n+1)); done; echo $n",
            cancellationToken);
        return int.TryParse(r.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    /// <summary>
    /// A shell fragment for `down --purge`: removes the bundles <paramref name="cluster"/> recorded that no other cluster
    /// on the host records, then ~/.hyc/agents if that left it empty; prints "removed PATH" for each.
    /// </summary>
    public static string PurgeScript(string cluster)
    {
        var record = $"\"$HOME/{RemotePaths.RelativeCluster(cluster)}/{BundleRecordName}\"";
        return $"if [ -f {record} ]; then for id in $(cat {record}); do "
            + "case \"$id\" in ''|*[!A-Za-z0-9_-]*) continue;; esac; "
            + $"[ \"$(cat \"$HOME/.hyc/clusters\"/*/{BundleRecordName} 2>/dev/null | grep -cxF \"$id\")\" -le 1 ] || continue; "
            + "d=\"$HOME/.hyc/agents/$id\"; if [ -e \"$d\" ]; then rm -rf \"$d\" && echo \"removed $d\"; fi; done; fi; "
            + "rmdir \"$HOME/.hyc/agents\" 2>/dev/null && echo \"removed $HOME/.hyc/agents\"; true";
    }

    private const string BundleRecordName = "agent.bundle";

    private static async Task<ShellResult> MustAsync(IHostShell shell, string command, CancellationToken cancellationToken)
    {
        var r = await shell.RunAsync(command, cancellationToken);
        return r.Ok ? r : throw new InvalidOperationException($"{shell.Host}: installing the agent failed: {r.Stderr.Trim()}");
    }
}
