using System.Diagnostics;
using System.Net.Sockets;
using Hunyuan.Provisioning.Keys;

namespace Hunyuan.Provisioning.Tests.Ssh;

/// <summary>A real OpenSSH sshd on 127.0.0.1 for one test, with a host key and an authorized key of the test's making.</summary>
public sealed class LoopbackSshd : IDisposable
{
    private readonly string _dir;
    private readonly string _authorizedKeys;
    private Process? _process;

    public LoopbackSshd(int port, ClusterKey hostKey, ClusterKey clientKey)
        : this(port, hostKey, authorizedKeysFile: null)
    {
        File.WriteAllText(_authorizedKeys, clientKey.AuthorizedKeysLine + "\n");
    }

    /// <summary>An sshd that reads the given authorized_keys file (a test's own home), so what a test installed is what logs in.</summary>
    public LoopbackSshd(int port, ClusterKey hostKey, string? authorizedKeysFile)
    {
        Port = port;
        _dir = Path.Combine(Path.GetTempPath(), "hyc-sshd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _authorizedKeys = authorizedKeysFile ?? Path.Combine(_dir, "authorized_keys");
        Start(hostKey);
    }

    public int Port { get; }

    public static string? WhyNot()
    {
        if (Environment.UserName != "root")
        {
            return "needs root to run sshd and log in (CI runs as root)";
        }

        return File.Exists("/usr/sbin/sshd") ? null : "needs /usr/sbin/sshd (apt-get install openssh-server; .ci/run does)";
    }

    /// <summary>Restarts sshd with another host key, as a reinstalled (or impersonated) host would present.</summary>
    public void Restart(ClusterKey hostKey)
    {
        Stop();
        Start(hostKey);
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_dir, recursive: true);
    }

    private void Start(ClusterKey hostKey)
    {
        var keyPath = Path.Combine(_dir, "host_ed25519");
        File.WriteAllText(keyPath, hostKey.ToOpenSsh());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = Path.Combine(_dir, "sshd_config");
        File.WriteAllText(config, $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {keyPath}
            PidFile {Path.Combine(_dir, "sshd.pid")}
            AuthorizedKeysFile {_authorizedKeys}
            Subsystem sftp internal-sftp
            StrictModes no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            UsePAM no
            AllowUsers {Environment.UserName}
            """);
        Directory.CreateDirectory("/run/sshd");
        _process = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config]) { RedirectStandardError = true, UseShellExecute = false })!;
        _ = _process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new InvalidOperationException($"sshd did not listen on 127.0.0.1:{Port}");
    }

    private void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }
}
