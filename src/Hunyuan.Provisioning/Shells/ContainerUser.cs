using System.Globalization;

namespace Hunyuan.Provisioning.Shells;

/// <summary>
/// Who hyc's processes run as inside a container: the host's listed user (its uid and gid, which own the mounted
/// ~/.hyc), with a home of that user's own, rather than the image's root. The container's sshd stays root.
/// </summary>
public sealed record ContainerUser(int Uid, int Gid)
{
    /// <summary>The processes' HOME inside the container: the host's ~/.hyc/home, which the listed user owns.</summary>
    public const string Home = ContainerShell.MountedHycHome + "/home";

    /// <summary>The same directory as seen on the host, relative to the user's home.</summary>
    public const string RelativeHome = ".hyc/home";

    /// <summary>docker exec's --user value.</summary>
    public string DockerUser => string.Create(CultureInfo.InvariantCulture, $"{Uid}:{Gid}");

    /// <summary>
    /// The uid and gid of the user <paramref name="host"/> logs in as (`id -u`, `id -g`), or null for root: a host list
    /// that logs in as root keeps root in the container too.
    /// </summary>
    public static async Task<ContainerUser?> OfAsync(IHostShell host, CancellationToken cancellationToken = default)
    {
        var r = await host.RunAsync("id -u && id -g", cancellationToken);
        var words = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!r.Ok || words.Length != 2 || !int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || !int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            throw new InvalidOperationException($"{host.Host}: cannot read the user's uid and gid (`id -u`, `id -g`): {r.Stderr.Trim()}{r.Stdout.Trim()}");
        }

        return uid == 0 ? null : new ContainerUser(uid, gid);
    }
}
