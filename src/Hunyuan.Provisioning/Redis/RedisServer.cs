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
/// Redis on the head, for Orleans membership: bound to the head's cluster address, a password (requirepass) that only
/// the 0600 config and password files hold, nothing persisted (membership is rebuilt when silos start). The process
/// runtime runs the head's redis-server; the docker runtime runs it in its own container (hyc-redis-CLUSTER, host
/// networking) with the config mounted read-only. Check-then-converge on a spec hash of the config.
/// </summary>
public sealed class RedisServer(IHostShell hostShell, string cluster, HostRuntimeKind runtimeKind, string redisImage)
{
    public const string SpecLabel = "hyc.spec";

    private string ConfigRelative => $"{RemotePaths.RelativeCluster(cluster)}/redis.conf";

    public string ContainerName => $"hyc-redis-{cluster}";

    public static byte[] Config(string bindAddress, int port, string password) => Encoding.ASCII.GetBytes(
        $"bind {bindAddress}\nport {port}\nrequirepass {password}\nprotected-mode yes\ndaemonize no\nsave \"\"\nappendonly no\nlogfile \"\"\n");

    /// <summary>The spec: a hash of the config, which holds the password, so it changes when the password does (and reveals nothing).</summary>
    public static string Spec(byte[] config) => Convert.ToHexString(SHA256.HashData(config))[..16].ToLowerInvariant();

    public async Task<RedisAction> EnsureAsync(string bindAddress, int port, string password, CancellationToken cancellationToken = default)
    {
        var config = Config(bindAddress, port, password);
        var spec = Spec(config);
        var current = await hostShell.RunAsync($"sha256sum \"$HOME/{ConfigRelative}\" 2>/dev/null | cut -c1-16", cancellationToken);
        if (current.Stdout.Trim() != spec)
        {
            await hostShell.WriteFileAsync(ConfigRelative, config, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
        }

        return runtimeKind.UsesContainers ? await EnsureContainerAsync(spec, cancellationToken) : await EnsureProcessAsync(spec, cancellationToken);
    }

    public async Task<bool> StopAsync(TimeSpan grace, CancellationToken cancellationToken = default) => runtimeKind.UsesContainers
        ? await DockerContainers.RemoveAsync(hostShell, ContainerName, cancellationToken)
        : await Process.StopAsync(grace, cancellationToken);

    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken = default) => runtimeKind.UsesContainers
        ? await DockerContainers.IsRunningAsync(hostShell, ContainerName, cancellationToken)
        : (await Process.StatusAsync(cancellationToken)).Running;

    private RemoteProcess Process => new(hostShell, cluster, "redis", "redis-server");

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

    /// <summary>The `docker run` line; the config path is expanded by the host's shell ($HOME), the rest quoted.</summary>
    public string RunCommand(string spec) =>
        ShellQuote.Join(["docker", "run", "-d", "--name", ContainerName, "--label", $"{SpecLabel}={spec}", "--net=host", "--restart", "unless-stopped", "--entrypoint", "redis-server", "-v"])
        + $" \"$HOME/{ConfigRelative}:/etc/hyc-redis.conf:ro\" " + ShellQuote.Join([redisImage, "/etc/hyc-redis.conf"]);

    private async Task<RedisAction> EnsureContainerAsync(string spec, CancellationToken cancellationToken)
    {
        var inspect = await hostShell.RunAsync(ShellQuote.Join(["docker", "inspect", "--format", $"{{{{.State.Running}}}} {{{{index .Config.Labels \"{SpecLabel}\"}}}}", ContainerName]), cancellationToken);
        if (inspect.Ok && inspect.Stdout.Trim() == $"true {spec}")
        {
            return RedisAction.Unchanged;
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
