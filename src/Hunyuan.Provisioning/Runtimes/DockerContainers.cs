using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Runtimes;

/// <summary>The two questions hyc asks of any container it started (the agent's, Redis's): is it running, and remove it.</summary>
public static class DockerContainers
{
    public static async Task<bool> IsRunningAsync(IHostShell shell, string name, CancellationToken cancellationToken = default) =>
        (await shell.RunAsync(ShellQuote.Join(["docker", "inspect", "--format", "{{.State.Running}}", name]), cancellationToken)).Stdout.Trim() == "true";

    /// <summary>Removes the container if it exists; true when there was one.</summary>
    public static async Task<bool> RemoveAsync(IHostShell shell, string name, CancellationToken cancellationToken = default)
    {
        if (!(await shell.RunAsync(ShellQuote.Join(["docker", "inspect", name]), cancellationToken)).Ok)
        {
            return false;
        }

        var rm = await shell.RunAsync(ShellQuote.Join(["docker", "rm", "-f", name]), cancellationToken);
        return rm.Ok ? true : throw new InvalidOperationException($"{shell.Host}: docker rm -f {name} failed: {rm.Stderr.Trim()}");
    }
}
