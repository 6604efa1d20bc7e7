using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Hunyuan.Provisioning.Keys;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// Hosts for `hyc up` made of network namespaces this test creates: a control namespace (the operator's machine, where
/// hyc runs) holding a bridge, and N host namespaces on it at 10.213.7.1..N, each with its own real sshd on port 22,
/// its own Unix user and its own home, so nothing is shared by accident. Nothing touches the machine's own network:
/// the addresses exist only inside these namespaces. Dispose kills everything the lab's users run and removes it all.
/// </summary>
public sealed class NetnsLab : IDisposable
{
    public const string Subnet = "10.213.7";
    private static readonly string[] Tools = ["/usr/sbin/sshd", "/usr/sbin/ip", "/usr/sbin/useradd", "/usr/sbin/chpasswd", "/usr/sbin/runuser", "/usr/bin/ssh", "/usr/bin/redis-server"];
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly List<Process> _sshds = [];
    private readonly List<string> _namespaces = [];

    private static readonly string[] DockerTools = ["/usr/sbin/dockerd", "/usr/sbin/debootstrap", "/usr/bin/nsenter"];
    private readonly Dictionary<int, LabDockerd> _dockerds = [];

    /// <param name="hosts">How many hosts.</param>
    /// <param name="passwordHost">A host (1-based) that takes only a password, as the seed's hosts do; 0 for none.</param>
    /// <param name="docker">Give every host a Docker engine of its own (<see cref="LabDockerd"/>) holding <see cref="LabImage"/>.</param>
    public NetnsLab(int hosts, int passwordHost = 0, bool docker = false)
    {
        var image = docker ? LabImage.Tarball() : null;
        Password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        Directory = Path.Combine(Path.GetTempPath(), "hyc-lab-" + _id);
        System.IO.Directory.CreateDirectory(Directory);
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        OperatorKey = ClusterKey.Generate("operator@lab");
        OperatorKeyFile = Path.Combine(Directory, "operator_ed25519");
        File.WriteAllText(OperatorKeyFile, OperatorKey.ToOpenSsh());
        File.SetUnixFileMode(OperatorKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // A failure half-way (a tool missing, a daemon that does not start) must not leave namespaces, users or daemons.
        try
        {
            Control = $"hyc-ctl-{_id}";
            AddNamespace(Control);
            Sh($"ip -n {Control} link add br0 type bridge && ip -n {Control} link set br0 up && ip -n {Control} addr add {Subnet}.254/24 dev br0");
            for (var i = 1; i <= hosts; i++)
            {
                var host = new LabHost(i, $"{Subnet}.{i}", $"hyc-h{i}-{_id}", $"hyc{_id}u{i}", Path.Combine(Directory, $"home{i}"), ClusterKey.Generate($"host{i}"));
                AddNamespace(host.Namespace);
                Sh($"ip link add v{i}{_id} netns {Control} type veth peer name eth0 netns {host.Namespace}");
                Sh($"ip -n {Control} link set v{i}{_id} master br0 up && ip -n {host.Namespace} addr add {host.Address}/24 dev eth0 && ip -n {host.Namespace} link set eth0 up");
                Sh($"useradd --home-dir {host.Home} --create-home --shell /bin/sh --password '*' {host.User}");
                var ssh = Path.Combine(host.Home, ".ssh");
                System.IO.Directory.CreateDirectory(ssh);
                File.WriteAllText(Path.Combine(ssh, "authorized_keys"), i == passwordHost ? "" : OperatorKey.AuthorizedKeysLine + "\n");
                if (i == passwordHost)
                {
                    // chpasswd reads "user:password" on stdin, so the password is in no process's arguments.
                    var psi = new ProcessStartInfo("chpasswd") { RedirectStandardInput = true, UseShellExecute = false };
                    using var chpasswd = Process.Start(psi)!;
                    chpasswd.StandardInput.Write($"{host.User}:{Password}\n");
                    chpasswd.StandardInput.Close();
                    chpasswd.WaitForExit(10_000);
                    PasswordHosts.Add(host.Index);
                }

                Sh($"chown -R {host.User}: {ssh} && chmod 700 {ssh} && chmod 600 {ssh}/authorized_keys");
                Hosts.Add(host);
                if (image is not null)
                {
                    _dockerds[i] = new LabDockerd(host, Path.Combine(Directory, $"docker{i}"), image);
                }

                StartSshd(host, host.HostKey);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }

    /// <summary>The login password of the password-only host (random per lab).</summary>
    public string Password { get; }

    public string Control { get; }

    private HashSet<int> PasswordHosts { get; } = [];

    public ClusterKey OperatorKey { get; }

    public string OperatorKeyFile { get; }

    public List<LabHost> Hosts { get; } = [];

    /// <summary>The Docker engine of a host of a lab made with docker.</summary>
    public LabDockerd DockerOf(LabHost host) => _dockerds[host.Index];

    public static string? WhyNot()
    {
        if (Environment.UserName != "root")
        {
            return "needs root to create network namespaces, users and sshd (CI runs as root)";
        }

        var missing = Tools.Where(p => !File.Exists(p) && !File.Exists(p.Replace("/usr/sbin/", "/sbin/", StringComparison.Ordinal))).ToList();
        return missing.Count == 0 ? null : $"needs {string.Join(", ", missing)} (apt-get install iproute2 openssh-server openssh-client redis-server; .ci/run does)";
    }

    /// <summary>Why a lab with Docker engines cannot run here, or null.</summary>
    public static string? WhyNotDocker()
    {
        var missing = DockerTools.Where(p => !File.Exists(p)).ToList();
        return WhyNot() ?? (missing.Count == 0 ? null : $"needs {string.Join(", ", missing)} (apt-get install docker.io debootstrap util-linux; .ci/run does)");
    }

    /// <summary>Replaces a host's sshd with one presenting another host key, as a reinstalled (or impersonated) host would.</summary>
    public void RestartSshd(LabHost host, ClusterKey hostKey)
    {
        var old = _sshds[host.Index - 1];
        old.Kill();
        old.WaitForExit(5000);
        StartSshd(host, hostKey);
    }

    /// <summary>Runs a command as the host's user inside its namespace (the user's own view of the host).</summary>
    public static (int Exit, string Output) AsUser(LabHost host, string command) =>
        Run("ip", ["netns", "exec", host.Namespace, "runuser", "-u", host.User, "--", "sh", "-c", command]);

    /// <summary>
    /// An HttpClient whose connections start in the control namespace, so this test process reaches the hosts as the
    /// operator's machine does: each socket is created on a short-lived thread that joined that namespace (a socket
    /// belongs to the namespace it was created in), and is used from any thread afterwards.
    /// </summary>
    public HttpClient ControlHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = SocketIn(Control);
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
    }

    private static Socket SocketIn(string netns)
    {
        Socket? socket = null;
        var error = 0;
        var thread = new Thread(() =>
        {
            using var handle = File.OpenHandle($"/var/run/netns/{netns}");
            if (SetNs(handle.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
            {
                error = Marshal.GetLastPInvokeError();
                return;
            }

            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"setns({netns}) failed: errno {error}");
    }

    private const int CloneNewNet = 0x40000000;

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);

    /// <summary>
    /// Processes the lab's users still run, as "state pid command". Zombies are left out: they have exited and wait
    /// for init to reap them, which is not this test's to control.
    /// </summary>
    public string[] UserProcesses() => Hosts.SelectMany(h =>
    {
        var (_, output) = Run("ps", ["-u", h.User, "-o", "stat=,pid=,args="]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('Z'));
    }).ToArray();

    public void Dispose()
    {
        foreach (var p in _sshds)
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit(5000);
            }

            p.Dispose();
        }

        foreach (var d in _dockerds.Values)
        {
            d.Dispose();
        }

        foreach (var h in Hosts)
        {
            Run("pkill", ["-KILL", "-u", h.User]);
            Run("userdel", [h.User]);
        }

        foreach (var ns in _namespaces)
        {
            Run("ip", ["netns", "del", ns]);
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void StartSshd(LabHost host, ClusterKey hostKey)
    {
        var dir = Path.Combine(Directory, $"sshd{host.Index}");
        System.IO.Directory.CreateDirectory(dir);
        var keyPath = Path.Combine(dir, "host_ed25519");
        File.WriteAllText(keyPath, hostKey.ToOpenSsh());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = Path.Combine(dir, "sshd_config");
        File.WriteAllText(config, $"""
            Port 22
            ListenAddress {host.Address}
            HostKey {keyPath}
            PidFile {Path.Combine(dir, "sshd.pid")}
            Subsystem sftp internal-sftp
            PasswordAuthentication {(PasswordHosts.Contains(host.Index) ? "yes" : "no")}
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            UsePAM no
            AllowUsers {host.User}
            {(_dockerds.TryGetValue(host.Index, out var dockerd) ? $"SetEnv DOCKER_HOST={dockerd.Host}" : "")}
            """);
        System.IO.Directory.CreateDirectory("/run/sshd");
        var p = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", host.Namespace, "/usr/sbin/sshd", "-D", "-e", "-f", config]) { RedirectStandardError = true, UseShellExecute = false })!;
        _ = p.StandardError.ReadToEndAsync();
        if (host.Index - 1 < _sshds.Count)
        {
            _sshds[host.Index - 1] = p;
        }
        else
        {
            _sshds.Add(p);
        }

        for (var i = 0; i < 100; i++)
        {
            if (Listening(host))
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException($"sshd did not listen on {host.Address}:22 in {host.Namespace}");
    }

    // /proc/net/tcp inside the namespace: 0016 is port 22, 0A is LISTEN.
    private static bool Listening(LabHost host) =>
        Run("ip", ["netns", "exec", host.Namespace, "cat", "/proc/net/tcp"]).Output.Split('\n').Any(l => l.Contains(":0016 00000000:0000 0A", StringComparison.Ordinal));

    private void AddNamespace(string name)
    {
        Sh($"ip netns add {name} && ip -n {name} link set lo up");
        _namespaces.Add(name);
    }

    private static void Sh(string command)
    {
        var (exit, output) = Run("sh", ["-c", command]);
        if (exit != 0)
        {
            throw new InvalidOperationException($"lab setup failed: {command}: {output}");
        }
    }

    public static (int Exit, string Output) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            return (124, $"timed out: {file} {string.Join(' ', psi.ArgumentList)}");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>One lab host: its namespace, address, user, home and sshd host key.</summary>
public sealed record LabHost(int Index, string Address, string Namespace, string User, string Home, ClusterKey HostKey);
