namespace Hunyuan.Provisioning.Shells;

/// <summary>
/// A shell inside a container on a host: `docker exec` through the host's shell. Files are staged on the host under
/// ~/.hyc/stage (mounted into the container as $HYC_HOME) and moved into place inside the container, so secrets travel
/// as files, never on a command line. With a <see cref="ContainerUser"/> every command runs as that uid and gid with
/// its own HOME (`docker exec --user`), not as the image's root.
/// </summary>
public sealed class ContainerShell(IHostShell host, string container, ContainerUser? user = null) : IHostShell
{
    /// <summary>Where the host's ~/.hyc appears inside containers that hyc starts (their HYC_HOME).</summary>
    public const string MountedHycHome = "/hyc-home";

    public string Host => user is null ? $"{host.Host} (container {container})" : $"{host.Host} (container {container}, uid {user.Uid})";

    public ContainerUser? User => user;

    public Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default) =>
        host.RunAsync(ShellQuote.Join(["docker", "exec", .. AsUser, container, "sh", "-c", command]), cancellationToken);

    public Task<IRunningCommand> StartAsync(string command, CancellationToken cancellationToken = default) =>
        host.StartAsync(ShellQuote.Join(["docker", "exec", "-i", .. AsUser, container, "sh", "-c", command]), cancellationToken);

    // A uid the image's /etc/passwd may not know: docker would give it HOME=/, so HOME is set to a directory it owns.
    private string[] AsUser => user is null ? [] : ["--user", user.DockerUser, "-e", $"HOME={ContainerUser.Home}"];

    public Task WriteFileAsync(string relativePath, byte[] content, UnixFileMode mode, CancellationToken cancellationToken = default) =>
        PlaceAsync(relativePath, mode, stage => host.WriteFileAsync(stage, content, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken), cancellationToken);

    public Task UploadFileAsync(string localPath, string relativePath, UnixFileMode mode, Action<long>? bytesWritten = null, CancellationToken cancellationToken = default) =>
        PlaceAsync(relativePath, mode, stage => host.UploadFileAsync(localPath, stage, UnixFileMode.UserRead | UnixFileMode.UserWrite, bytesWritten, cancellationToken), cancellationToken);

    private async Task PlaceAsync(string relativePath, UnixFileMode mode, Func<string, Task> stageOnHost, CancellationToken cancellationToken)
    {
        var name = Guid.NewGuid().ToString("N");
        await stageOnHost($".hyc/stage/{name}");
        var octal = Convert.ToString((int)mode, 8);
        var target = "\"$HOME\"/" + ShellQuote.Word(relativePath);
        var move = $"mkdir -p \"$(dirname {target})\" && cp \"$HYC_HOME/stage/{name}\" {target}.hyc-tmp && chmod {octal} {target}.hyc-tmp && mv -f {target}.hyc-tmp {target}; s=$?; rm -f \"$HYC_HOME/stage/{name}\"; exit $s";
        var r = await RunAsync(move, cancellationToken);
        if (!r.Ok)
        {
            await host.RunAsync($"rm -f \"$HOME/.hyc/stage/{name}\"", cancellationToken);
            throw new InvalidOperationException($"{Host}: placing ~/{relativePath} failed: {r.Stderr.Trim()}");
        }
    }
}
