using System.Diagnostics;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// A Docker engine of one lab host: dockerd in the host's network namespace (joined with nsenter, not `ip netns exec`,
/// which remounts /sys and hides the cgroup mounts dockerd needs), with its own data root, exec root and socket, the
/// vfs storage driver and no iptables or bridge (hyc's containers use host networking). The socket's group is the
/// host user's, and the host's sshd hands its path to that user's sessions (SetEnv DOCKER_HOST), so the host user
/// drives its own engine as on a real host. Dispose removes every container, stops the daemon and deletes its state.
/// </summary>
public sealed class LabDockerd : IDisposable
{
    private readonly Process _daemon;
    private readonly string _directory;

    public LabDockerd(LabHost host, string directory, string imageTarball)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        Socket = Path.Combine(directory, "docker.sock");
        var psi = new ProcessStartInfo("nsenter",
        [
            $"--net=/run/netns/{host.Namespace}", "dockerd",
            "--storage-driver=vfs", "--iptables=false", "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false",
            "--userland-proxy=false", "--data-root", Path.Combine(directory, "data"), "--exec-root", Path.Combine(directory, "exec"),
            "--pidfile", Path.Combine(directory, "dockerd.pid"), "-H", Host, "--group", host.User,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _daemon = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        _daemon.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _daemon.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        for (var i = 0; i < 300 && Docker("version", "--format", "{{.Server.Version}}").Exit != 0; i++)
        {
            if (_daemon.HasExited)
            {
                break;
            }

            Thread.Sleep(100);
        }

        var version = Docker("version", "--format", "{{.Server.Version}}");
        if (version.Exit != 0)
        {
            string text;
            lock (log)
            {
                text = log.ToString();
            }

            Dispose();
            throw new InvalidOperationException($"dockerd for {host.Namespace} did not answer on {Socket}: {version.Output}\n{text[Math.Max(0, text.Length - 3000)..]}");
        }

        var import = Docker("import", imageTarball, LabImage.Name);
        if (import.Exit != 0)
        {
            Dispose();
            throw new InvalidOperationException($"docker import {imageTarball} failed: {import.Output}");
        }
    }

    public string Socket { get; }

    /// <summary>The DOCKER_HOST value for this engine.</summary>
    public string Host => "unix://" + Socket;

    /// <summary>Runs the docker CLI against this engine.</summary>
    public (int Exit, string Output) Docker(params string[] args) => NetnsLab.Run("docker", ["-H", Host, .. args]);

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            var ids = Docker("ps", "-aq").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length > 0)
            {
                Docker(["rm", "-f", .. ids]);
            }

            // SIGTERM lets dockerd stop its containerd; a daemon that does not stop in time is killed.
            NetnsLab.Run("kill", ["-TERM", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (!_daemon.WaitForExit(20_000))
            {
                _daemon.Kill(entireProcessTree: true);
                _daemon.WaitForExit(5_000);
            }
        }

        _daemon.Dispose();
        NetnsLab.Run("pkill", ["-KILL", "-f", _directory]);
        // Anything a container left mounted under the exec root goes before the state is deleted.
        NetnsLab.Run("sh", ["-c", $"grep -o ' {_directory}/[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l"]);
        NetnsLab.Run("rm", ["-rf", "--one-file-system", _directory]);
    }
}
