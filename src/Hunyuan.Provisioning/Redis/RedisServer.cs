using System.Security.Cryptography;
using System.Text;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Runtimes;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Redis;

/// <summary>What converging Redis on the head did.</summary>
public enum RedisAction
{
    Unchanged,
    Started,
    Restarted,
}

/// <summary>
/// Redis on the head, for Orleans membership (and grain storage): bound to the head's cluster address only, the
/// default user off and the agents' own ACL user (<see cref="RedisAcl"/>) with its password hashed in the 0600 config;
/// the password itself is only in the hosts' 0600 password files. Append-only persistence in the cluster's directory
/// (what grain storage writes survives a restart). The process runtime runs the head's redis-server; the docker
/// runtime runs it in its own container (hyc-redis-CLUSTER, host networking, as the login's uid) with the config
/// mounted read-only and the data directory mounted. Check-then-converge on a spec hash of the config.
/// </summary>
public sealed class RedisServer(IHostShell hostShell, string cluster, HostRuntimeKind runtimeKind, string redisImage)
{
    public const string SpecLabel = "hyc.spec";

    /// <summary>Redis 7 brought ACL selectors and subcommand rules, and below it CONFIG and SAVE are harder to keep from a client.</summary>
    public const int MinimumMajorVersion = 7;

    /// <summary>Where the container sees the data directory.</summary>
    private const string ContainerDataDir = "/data";

    private string ConfigRelative => $"{RemotePaths.RelativeCluster(cluster)}/redis.conf";

    private string DataRelative => $"{RemotePaths.RelativeCluster(cluster)}/redis-data";

    public string ContainerName => $"hyc-redis-{cluster}";

    public static byte[] Config(string bindAddress, int port, string agentPassword, string dataDir) => Encoding.ASCII.GetBytes(
        $"bind {bindAddress}\nport {port}\nprotected-mode yes\ndaemonize no\nlogfile \"\"\n"
        + $"dir \"{dataDir}\"\nsave \"\"\nappendonly yes\nappendfsync everysec\n"
        + "enable-debug-command no\nenable-module-command no\nenable-protected-configs no\n"
        + RedisAcl.ConfigLines(agentPassword));

    /// <summary>The spec: a hash of the config, which holds the password's hash, so it changes when the password does (and reveals nothing).</summary>
    public static string Spec(byte[] config) => Convert.ToHexString(SHA256.HashData(config))[..16].ToLowerInvariant();

    /// <summary>Converges Redis; what it did, and the spec of the config it runs with.</summary>
    public async Task<(RedisAction Action, string Spec)> EnsureAsync(string bindAddress, int port, string agentPassword, CancellationToken cancellationToken = default)
    {
        var dataDir = runtimeKind.UsesContainers ? ContainerDataDir : await HostDataDirAsync(cancellationToken);
        var config = Config(bindAddress, port, agentPassword, dataDir);
        var spec = Spec(config);
        var prepare = await hostShell.RunAsync($"mkdir -p \"$HOME/{DataRelative}\" && chmod 700 \"$HOME/{DataRelative}\" && sha256sum \"$HOME/{ConfigRelative}\" 2>/dev/null | cut -c1-16; true", cancellationToken);
        if (prepare.Stdout.Trim() != spec)
        {
            await hostShell.WriteFileAsync(ConfigRelative, config, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        }

        var action = runtimeKind.UsesContainers ? await EnsureContainerAsync(spec, cancellationToken) : await EnsureProcessAsync(spec, cancellationToken);
        return (action, spec);
    }

    /// <summary>The major version of the redis-server this runtime would run (the head's binary, or the image's), null if none answers.</summary>
    public async Task<(int? Major, string Text)> VersionAsync(CancellationToken cancellationToken = default)
    {
        var command = runtimeKind.UsesContainers
            ? ShellQuote.Join(["docker", "run", "--rm", "--entrypoint", "redis-server", redisImage, "--version"])
            : "redis-server --version";
        var r = await hostShell.RunAsync(command, cancellationToken);
        return (r.Ok ? RedisVersion.Major(r.Stdout) : null, (r.Stdout + r.Stderr).Trim());
    }

    public async Task<bool> StopAsync(TimeSpan grace, CancellationToken cancellationToken = default) => runtimeKind.UsesContainers
        ? await DockerContainers.RemoveAsync(hostShell, ContainerName, cancellationToken)
        : await Process.StopAsync(grace, cancellationToken);

    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken = default) => runtimeKind.UsesContainers
        ? await DockerContainers.IsRunningAsync(hostShell, ContainerName, cancellationToken)
        : (await Process.StatusAsync(cancellationToken)).Running;

    private RemoteProcess Process => new(hostShell, cluster, "redis", "redis-server");

    private async Task<string> HostDataDirAsync(CancellationToken cancellationToken)
    {
        var home = (await hostShell.RunAsync("printf '%s' \"$HOME\"", cancellationToken)).Stdout;
        return home.StartsWith('/') && !home.Any(c => c is '"' or '\\' or '\n')
            ? $"{home.TrimEnd('/')}/{DataRelative}"
            : throw new InvalidOperationException($"{hostShell.Host}: $HOME is '{home}', not a plain absolute path for Redis's data directory");
    }

    private async Task<RedisAction> EnsureProcessAsync(string spec, CancellationToken cancellationToken)
    {
        var state = await Process.StatusAsync(cancellationToken);
        if (state.Running && state.Spec == spec)
        {
            return RedisAction.Unchanged;
        }

        if (state.Running)
        {
            await Process.StopAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }

        await Process.StartAsync($"redis-server \"{RemotePaths.Cluster(cluster)}/redis.conf\"", spec, cancellationToken);
        return state.Running ? RedisAction.Restarted : RedisAction.Started;
    }

    /// <summary>
    /// The `docker run` line; the paths are expanded by the host's shell ($HOME), and so is the uid: Redis runs as the
    /// login, not as the container's root, and its files on the host are the login's.
    /// </summary>
    public string RunCommand(string spec) =>
        ShellQuote.Join(["docker", "run", "-d", "--name", ContainerName, "--label", $"{SpecLabel}={spec}", "--net=host", "--restart", "unless-stopped", "--entrypoint", "redis-server"])
        + " --user \"$(id -u):$(id -g)\""
        + $" -v \"$HOME/{ConfigRelative}:/etc/hyc-redis.conf:ro\" -v \"$HOME/{DataRelative}:{ContainerDataDir}\" " + ShellQuote.Join([redisImage, "/etc/hyc-redis.conf"]);

    private async Task<RedisAction> EnsureContainerAsync(string spec, CancellationToken cancellationToken)
    {
        var inspect = await hostShell.RunAsync(ShellQuote.Join(["docker", "inspect", "--format", $"{{{{.State.Running}}}} {{{{index .Config.Labels \"{SpecLabel}\"}}}}", ContainerName]), cancellationToken);
        if (inspect.Ok && inspect.Stdout.Trim() == $"true {spec}")
        {
            return RedisAction.Unchanged;
        }

        // Preflight judged the image by its tag when it was not pulled yet; this is the image itself (pulled if need be).
        var (major, text) = await VersionAsync(cancellationToken);
        if (major is not >= MinimumMajorVersion)
        {
            throw new InvalidOperationException($"{hostShell.Host}: the Redis image {redisImage} must be Redis {MinimumMajorVersion} or later (ACL users); it says: {text}");
        }

        if (inspect.Ok)
        {
            await hostShell.RunAsync(ShellQuote.Join(["docker", "rm", "-f", ContainerName]), cancellationToken);
        }

        var run = await hostShell.RunAsync(RunCommand(spec), cancellationToken);
        return run.Ok
            ? inspect.Ok ? RedisAction.Restarted : RedisAction.Started
            : throw new InvalidOperationException($"{hostShell.Host}: docker run {ContainerName} failed: {run.Stderr.Trim()}");
    }
}
