using Hunyuan.Provisioning.Shells;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Hunyuan.Provisioning.Ssh;

/// <summary>
/// A shell on a remote host over SSH.NET, the host key checked against the cluster's known_hosts before anything is
/// sent: a known key passes, an unknown one only with AcceptNewHostKeys (and is then recorded), a changed one never.
/// </summary>
public sealed class SshHostShell : IHostShell, IDisposable
{
    private readonly SshClient _client;
    private readonly ConnectionInfo _info;
    private readonly Lock _sftpGate = new();
    private SftpClient? _sftp;
    private readonly KnownHosts _knownHosts;
    private readonly SshTarget _target;
    private string? _refusal;

    private SshHostShell(SshTarget target, KnownHosts knownHosts, ConnectionInfo info)
    {
        _target = target;
        _knownHosts = knownHosts;
        _info = info;
        _client = new SshClient(info);
        _client.HostKeyReceived += OnHostKey;
    }

    public string Host => _target.Host;

    /// <summary>The fingerprint of the key this connection verified.</summary>
    public string? HostKeyFingerprint { get; private set; }

    /// <summary>The public key blob this connection verified (its first field names the key type).</summary>
    public byte[]? HostKeyBlob { get; private set; }

    public static SshHostShell Connect(SshTarget target, KnownHosts knownHosts, TimeSpan timeout, PrivateKeyFile? key = null)
    {
        var methods = new List<AuthenticationMethod>();
        if (key is not null)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(target.User, key));
        }
        else if (target.IdentityFile is { } file)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(target.User, new PrivateKeyFile(ExpandHome(file))));
        }

        if (target.PasswordEnv is { } env)
        {
            var password = Environment.GetEnvironmentVariable(env)
                ?? throw new ArgumentException($"{target}: the environment variable {env} (ssh.password_env) is not set");
            methods.Add(new PasswordAuthenticationMethod(target.User, password));
        }

        if (methods.Count == 0)
        {
            throw new ArgumentException($"{target}: no identity_file or password_env to log in with");
        }

        var info = new ConnectionInfo(target.Host, target.Port, target.User, methods.ToArray()) { Timeout = timeout };
        var shell = new SshHostShell(target, knownHosts, info);
        try
        {
            shell._client.Connect();
            return shell;
        }
        catch (SshConnectionException) when (shell._refusal is { } refusal)
        {
            shell.Dispose();
            throw new HostKeyException(target.Host, refusal);
        }
        catch
        {
            shell.Dispose();
            throw;
        }
    }

    public Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default) => Task.Run(() =>
    {
        using var cmd = _client.CreateCommand(command);
        cmd.CommandTimeout = TimeSpan.FromMinutes(10);
        var stdout = cmd.Execute();
        return new ShellResult(cmd.ExitStatus ?? -1, stdout, cmd.Error);
    }, cancellationToken);

    public Task<IRunningCommand> StartAsync(string command, CancellationToken cancellationToken = default) => Task.Run<IRunningCommand>(() =>
    {
        var cmd = _client.CreateCommand(command);
        var execution = cmd.ExecuteAsync(CancellationToken.None);
        return new RunningSshCommand(cmd, cmd.CreateInputStream(), execution);
    }, cancellationToken);

    public Task WriteFileAsync(string relativePath, byte[] content, UnixFileMode mode, CancellationToken cancellationToken = default) => Task.Run(() =>
    {
        using var stream = new MemoryStream(content);
        Upload(stream, relativePath, mode, restrictFirst: true);
    }, cancellationToken);

    public Task UploadFileAsync(string localPath, string relativePath, UnixFileMode mode, Action<long>? bytesWritten = null, CancellationToken cancellationToken = default) => Task.Run(() =>
    {
        using var stream = File.OpenRead(localPath);
        Upload(stream, relativePath, mode, restrictFirst: false, bytesWritten is null ? null : n => bytesWritten((long)n));
    }, cancellationToken);

    private void CreateDirectories(string? dir)
    {
        if (string.IsNullOrEmpty(dir) || _sftp!.Exists(dir))
        {
            return;
        }

        CreateDirectories(Path.GetDirectoryName(dir));
        _sftp.CreateDirectory(dir);
    }

    private void Upload(Stream stream, string relativePath, UnixFileMode mode, bool restrictFirst, Action<ulong>? written = null)
    {
        try
        {
            UploadOnce(stream, relativePath, mode, restrictFirst, written);
        }
        catch (SshException e)
        {
            throw new InvalidOperationException($"{Host}: writing ~/{relativePath} over SFTP failed: {e.Message}", e);
        }
    }

    private void UploadOnce(Stream stream, string relativePath, UnixFileMode mode, bool restrictFirst, Action<ulong>? written)
    {
        lock (_sftpGate)
        {
            if (_sftp is null)
            {
                _sftp = new SftpClient(_info);
                _sftp.HostKeyReceived += OnHostKey;
                _sftp.Connect();
            }

            CreateDirectories(Path.GetDirectoryName(relativePath));

            // Written aside and renamed (posix-rename replaces atomically), so a reader never sees half a file; the
            // mode is set before the rename, and the callers write secrets only below ~/.ssh or ~/.hyc (0700 by then).
            var tmp = relativePath + ".hyc-tmp";

            // SSH.NET reads the mode's decimal digits as octal ones (600 means 0600).
            var sftpMode = (short)Convert.ToInt32(Convert.ToString((int)mode, 8), 10);
            if (restrictFirst)
            {
                // SFTP creates files with the server's default mode: an empty file gets the final mode before any
                // secret byte is written into it (overwriting keeps the mode).
                using var empty = new MemoryStream();
                _sftp.UploadFile(empty, tmp, canOverride: true);
                _sftp.ChangePermissions(tmp, sftpMode);
            }

            _sftp.UploadFile(stream, tmp, canOverride: true, written);
            _sftp.ChangePermissions(tmp, sftpMode);
            _sftp.RenameFile(tmp, relativePath, isPosix: true);
        }
    }

    public void Dispose()
    {
        if (_sftp is not null)
        {
            _sftp.HostKeyReceived -= OnHostKey;
            _sftp.Dispose();
        }

        _client.HostKeyReceived -= OnHostKey;
        if (_client.IsConnected)
        {
            _client.Disconnect();
        }

        _client.Dispose();
    }

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal) ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..]) : path;

    private void OnHostKey(object? sender, HostKeyEventArgs e)
    {
        var blob = e.HostKey;
        HostKeyBlob = blob;
        HostKeyFingerprint = KnownHosts.Fingerprint(blob);
        switch (_knownHosts.Verify(_target.Host, _target.Port, e.HostKeyName, blob, out var known))
        {
            case HostKeyVerdict.Trusted:
                e.CanTrust = true;
                break;
            case HostKeyVerdict.Unknown when _target.AcceptNewHostKeys:
                _knownHosts.Add(_target.Host, _target.Port, e.HostKeyName, blob);
                e.CanTrust = true;
                break;
            case HostKeyVerdict.Unknown:
                _refusal = $"{_target}: unknown host key {HostKeyFingerprint}; accept it with accept_new_host_keys (or --accept-new-host-keys) once you trust this host";
                e.CanTrust = false;
                break;
            default:
                _refusal = $"{_target}: HOST KEY CHANGED from {known} to {HostKeyFingerprint}; refusing to connect (possible man-in-the-middle). If the host was reinstalled, remove its line from {_knownHosts.Path}";
                e.CanTrust = false;
                break;
        }
    }

    private sealed class RunningSshCommand(SshCommand command, Stream input, Task execution) : IRunningCommand
    {
        private readonly StreamReader _output = new(command.OutputStream);

        // SSH.NET's output stream blocks a reader until data or the end comes.
        public Task<string?> ReadLineAsync(CancellationToken cancellationToken = default) => Task.Run(_output.ReadLine, cancellationToken).WaitAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await input.DisposeAsync();
            try
            {
                await execution.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is TimeoutException or SshException or ObjectDisposedException)
            {
                // The connection's end (the caller disposes it next) ends the command anyway.
            }

            command.Dispose();
        }
    }
}
