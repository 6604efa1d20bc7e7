using System.Globalization;

namespace Hunyuan.Provisioning.Runtimes;

/// <summary>
/// The sshd inside a hyc container (docker runtime), for the mesh: host keys of this container alone (the image's are
/// deleted, an ed25519 key made on its first start and kept across restarts, so pinning it means something), and a
/// config of hyc's own in place of the image's (a seed-style image sets a root password and allows it): the host's
/// address only, keys only, root by key only. `sshd -T` in the container shows these settings.
/// </summary>
public static class ContainerSshd
{
    /// <summary>The sshd_config, for the container's <paramref name="sshDir"/> (/etc/ssh).</summary>
    public static string Config(int port, string listenAddress, string sshDir = "/etc/ssh") => string.Create(CultureInfo.InvariantCulture, $"""
        # Written by hyc when the container starts: this container's key, the host's address, no passwords.
        Port {port}
        ListenAddress {listenAddress}
        HostKey {sshDir}/ssh_host_ed25519_key
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitEmptyPasswords no
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        AuthorizedKeysFile .ssh/authorized_keys
        UsePAM no
        Subsystem sftp internal-sftp

        """).Replace("\r", "", StringComparison.Ordinal);

    /// <summary>
    /// POSIX sh that makes the key (once per container: the marker holds the container's id, which docker's mounts
    /// show in /proc/self/mountinfo, so a key in an image committed from a container is not reused either), writes the
    /// config and starts sshd. UsePAM is off: PAM's session modules (pam_loginuid) fail in unprivileged containers.
    /// </summary>
    public static string Setup(int port, string listenAddress, string sshDir = "/etc/ssh", string sshd = "/usr/sbin/sshd") =>
        $"set -e; mkdir -p /run/sshd; "
        + "id=$(grep -o 'containers/[0-9a-f]\\{64\\}' /proc/self/mountinfo 2>/dev/null | head -n 1 || true); id=${id:-unknown}; "
        + $"if [ \"$(cat {sshDir}/.hyc-host-key 2>/dev/null)\" != \"$id\" ] || [ ! -s {sshDir}/ssh_host_ed25519_key ]; then "
        + $"rm -f {sshDir}/ssh_host_*; ssh-keygen -q -t ed25519 -N '' -C \"hyc-container-$id\" -f {sshDir}/ssh_host_ed25519_key; printf '%s\\n' \"$id\" > {sshDir}/.hyc-host-key; fi; "
        + $"cat > {sshDir}/sshd_config <<'HYC_SSHD_CONFIG'\n{Config(port, listenAddress, sshDir)}HYC_SSHD_CONFIG\n"
        + $"{sshd} -f {sshDir}/sshd_config";

    /// <summary>The container's command: the setup, then a process that keeps the container up.</summary>
    public static string Command(int port, string listenAddress) => Setup(port, listenAddress) + "; exec sleep infinity";
}
