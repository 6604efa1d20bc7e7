using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Engine.Security;
using Hunyuan.Grains.Hosting;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Local;

/// <summary>
/// The control plane of a real `hyc up --local` cluster speaks only mutual TLS with the cluster's certificates: a TLS
/// handshake (a plain SslStream, not hyc's own options) on the silo and gateway ports shows each node's certificate
/// from the cluster CA; a bare Orleans client with the right cluster id, a TLS client without a certificate or with
/// another CA's, and a plaintext connection are all closed; `hyc status` without the client certificate, with another
/// CA's, or with another CA altogether exits 10 and says why; a second `up` keeps the CA and every certificate, and
/// `up --rotate-certs` replaces them all as a roll: the worker's agent is replaced while the head's old one still runs,
/// the head's only after the worker rejoined, and at the end the agents (restarted while ca.pem trusted both CAs) refuse
/// the old CA's client certificate without another restart, because they re-read ca.pem.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class LocalClusterTlsEndToEndTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly string[] LocalNodes = ["local-0", "local-1"];
    private readonly TempDirectory _home = new();
    private readonly int _base = TestPorts.Base(TestPorts.LocalCluster(2));

    private Dictionary<string, string> Env => new() { ["HYC_HOME"] = _home.Path };

    private ClusterTlsFiles Files => new(Path.Combine(_home.Path, "clusters", "local", "tls"));

    [Fact]
    public async Task UpLocalSpeaksOnlyMutualTlsWithTheClustersCertificates()
    {
        var basePort = _base.ToString(CultureInfo.InvariantCulture);
        try
        {
            var up = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(5), "up", "--local", "--detach", "--nodes", "2", "--gpus-per-node", "1", "--base-port", basePort);
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains("TLS: created the cluster CA", up.Stderr, StringComparison.Ordinal);
            var names = Directory.GetFiles(Files.Directory).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["ca.key", "ca.pem", "client.key", "client.pem", "node-local-0.key", "node-local-0.pem", "node-local-1.key", "node-local-1.pem"], names);
            Assert.All(Directory.GetFiles(Files.Directory), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));

            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Files.AuthorityCertificate));
            using var client = X509Certificate2.CreateFromPemFile(Files.Certificate("client"), Files.Key("client"));
            var validator = new ClusterCertificateValidator(ca);
            foreach (var (port, node) in new[] { (_base, "local-0"), (_base + 20000, "local-0"), (_base + 1, "local-1"), (_base + 20001, "local-1") })
            {
                using var shown = await HandshakeAsync(port, client);
                Assert.Equal($"CN={node}", shown.Subject);
                Assert.Equal(ca.Subject, shown.Issuer);
                Assert.Contains(IPAddress.Loopback, shown.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
                Assert.Null(validator.Problem(shown, PeerRole.Server));
            }

            // The right cluster id is no longer enough.
            var bare = new ClusterConnection("hunyuan", "hyc", [$"127.0.0.1:{_base + 20000}"]);
            await Assert.ThrowsAsync<ClusterUnreachableException>(() => bare.ConnectAsync(TimeSpan.FromSeconds(10)));

            // A TLS client with no certificate, or with another CA's, is closed right after the handshake.
            using var foreignCa = ClusterCertificateAuthority.Create("local");
            var foreignClient = foreignCa.IssueClient("hyc operator of cluster local");
            using var foreign = X509Certificate2.CreateFromPem(foreignClient.CertificatePem, foreignClient.KeyPem);
            Assert.True(await ClosedAfterHandshakeAsync(_base + 20000, null));
            Assert.True(await ClosedAfterHandshakeAsync(_base + 20000, foreign));
            Assert.True(await ClosedAfterHandshakeAsync(_base, foreign));
            Assert.False(await ClosedAfterHandshakeAsync(_base + 20000, client), "the cluster's own client certificate must be kept");

            // Plain TCP: bytes that are no TLS hello get the connection closed.
            Assert.True(await PlaintextClosedAsync(_base + 20000));
            Assert.True(await PlaintextClosedAsync(_base));

            var ok = await Status(connectSeconds: 30);
            Assert.True(ok.ExitCode == 0, ok.ToString());

            var saved = Directory.GetFiles(Files.Directory).ToDictionary(f => f, File.ReadAllBytes);

            File.Delete(Files.Certificate("client"));
            var missing = await Status();
            Assert.True(missing.ExitCode == 10, missing.ToString());
            Assert.Contains("client certificate", missing.Stderr, StringComparison.Ordinal);
            Assert.Contains("is missing", missing.Stderr, StringComparison.Ordinal);

            File.WriteAllText(Files.Certificate("client"), foreignClient.CertificatePem);
            File.WriteAllText(Files.Key("client"), foreignClient.KeyPem);
            var notOurs = await Status();
            Assert.True(notOurs.ExitCode == 10, notOurs.ToString());
            Assert.Contains("is not the cluster's", notOurs.Stderr, StringComparison.Ordinal);

            // Another CA altogether (its ca.pem too): nothing is wrong locally, and the handshake fails.
            File.WriteAllText(Files.AuthorityCertificate, foreignCa.CertificatePem);
            var otherCa = await Status();
            Assert.True(otherCa.ExitCode == 10, otherCa.ToString());
            Assert.Contains("TLS handshake with the cluster 'hunyuan' failed", otherCa.Stderr, StringComparison.Ordinal);
            Assert.Contains("not the cluster's", otherCa.Stderr, StringComparison.Ordinal);

            foreach (var (file, bytes) in saved)
            {
                File.WriteAllBytes(file, bytes);
            }

            var again = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(2), "up", "--local", "--detach", "--base-port", basePort);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains("already up", again.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("TLS:", again.Stderr, StringComparison.Ordinal);
            Assert.All(saved, s => Assert.Equal(s.Value, File.ReadAllBytes(s.Key)));

            // Rotation: a new CA, every certificate from it, each agent restarted with its own, one at a time.
            var oldPids = LocalNodes.Select(n => Pid(up.Stderr, n, "started")).ToArray();
            var samples = new List<(bool Head, bool Worker)>();
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                // Whether each original agent process still runs, ten times a second for as long as the rotation does.
                for (var i = 0; i < 3000 && !sampling.IsCancellationRequested; i++)
                {
                    lock (samples)
                    {
                        samples.Add((Directory.Exists($"/proc/{oldPids[0]}"), Directory.Exists($"/proc/{oldPids[1]}")));
                    }

                    await Task.Delay(100, CancellationToken.None);
                }
            });
            // Three passes and a rejoin per agent: minutes on two busy cores.
            var rotated = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(6), "up", "--local", "--detach", "--base-port", basePort, "--rotate-certs");
            await sampling.CancelAsync();
            await sampler;
            Assert.True(rotated.ExitCode == 0, rotated.ToString());
            var newPids = LocalNodes.Select(n => Pid(rotated.Stderr, n, "restarted")).ToArray();
            Assert.Single(Regex.Matches(rotated.Stderr, @"\[local-0\] agent restarted"));
            Assert.Single(Regex.Matches(rotated.Stderr, @"\[local-1\] agent restarted"));

            // The worker first, and the head only once the worker was back as a new silo.
            var workerRejoined = rotated.Stderr.IndexOf("[local-1] rejoined with its new certificate", StringComparison.Ordinal);
            var headRestarting = rotated.Stderr.IndexOf("[local-0] certificate rotation, step 2/3 (2/2)", StringComparison.Ordinal);
            Assert.True(workerRejoined >= 0 && headRestarting > workerRejoined, rotated.Stderr);
            lock (samples)
            {
                Assert.Contains((true, false), samples);
                Assert.DoesNotContain((false, true), samples);
                Assert.Equal((false, false), samples[^1]);
            }

            // The head's new agent is the one still running. (The local cluster's membership lives in the head's silo, so
            // the worker's silo ends when the head restarts and its supervisor starts it again: its pid may change once more.)
            Assert.True(Directory.Exists($"/proc/{newPids[0]}"), $"the head's agent pid {newPids[0]} announced by the rotation no longer runs: {rotated.Stderr}");
            Assert.Contains("step 3/3", rotated.Stderr, StringComparison.Ordinal);
            Assert.Contains("certificate rotation complete", rotated.Stderr, StringComparison.Ordinal);
            Assert.All(saved, s => Assert.NotEqual(s.Value, File.ReadAllBytes(s.Key)));
            using var newCa = X509Certificate2.CreateFromPem(File.ReadAllText(Files.AuthorityCertificate));
            Assert.Single(ClusterTrustBundle.Parse(File.ReadAllText(Files.AuthorityCertificate)));
            using var newClient = X509Certificate2.CreateFromPemFile(Files.Certificate("client"), Files.Key("client"));
            using (var shown = await HandshakeAsync(_base + 20001, newClient))
            {
                Assert.Null(new ClusterCertificateValidator(newCa).Problem(shown, PeerRole.Server));
                Assert.NotNull(validator.Problem(shown, PeerRole.Server));
            }

            // Both agents started while ca.pem trusted the old CA too: they refuse it now because they re-read ca.pem.
            foreach (var port in new[] { _base, _base + 1, _base + 20000, _base + 20001 })
            {
                Assert.True(await ClosedAfterHandshakeAsync(port, client), $"the old CA's client certificate must be refused on port {port} after rotation");
                Assert.False(await ClosedAfterHandshakeAsync(port, newClient), $"the new client certificate must be kept on port {port}");
            }

            var afterRotation = await Status(connectSeconds: 30);
            Assert.True(afterRotation.ExitCode == 0, afterRotation.ToString());
            Assert.Contains("2/2 nodes alive", afterRotation.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            var down = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "down", "--local");
            Assert.True(down.ExitCode == 0, down.ToString());
        }
    }

    public void Dispose() => _home.Dispose();

    // The pid `up` announced for a node's agent ("[local-1] agent started (pid 123").
    private static int Pid(string output, string node, string verb)
    {
        var match = Regex.Match(output, $@"\[{node}\] agent {verb} \(pid (\d+)");
        Assert.True(match.Success, $"no '{node}] agent {verb} (pid' in: {output}");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// `status` with a short connect timeout where the handshake is expected to fail (the refusal is immediate), and a
    /// long one where it must succeed: two agents and a test host share two cores under CI, and 5 s was measured too short.
    /// </summary>
    private Task<HycResult> Status(int connectSeconds = 5) =>
        HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "status", "--cluster", "local", "--connect-timeout", connectSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    // The server's certificate, as a TLS client that presents the cluster's client certificate sees it.
    private static async Task<X509Certificate2> HandshakeAsync(int port, X509Certificate2 client)
    {
        using var cts = new CancellationTokenSource(Bound);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        await using var ssl = new SslStream(tcp.GetStream());
        X509Certificate2? shown = null;
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ClientCertificateContext = SslStreamCertificateContext.Create(client, null, offline: true),
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                shown = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                return cert is not null;
            },
        }, cts.Token);
        return shown ?? throw new InvalidOperationException($"port {port} showed no certificate");
    }

    // Whether the server ends a TLS connection that presents <paramref name="client"/> (or none) at or right after the
    // handshake (TLS 1.3 tells a refused client only when it reads); one kept open past the bound was accepted.
    private static async Task<bool> ClosedAfterHandshakeAsync(int port, X509Certificate2? client)
    {
        using var cts = new CancellationTokenSource(Bound);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        await using var ssl = new SslStream(tcp.GetStream());
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                ClientCertificateContext = client is null ? null : SslStreamCertificateContext.Create(client, null, offline: true),
                // Whatever the server shows: only the server's verdict on the client is under test here.
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null,
            }, cts.Token);
            using var window = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            return await ssl.ReadAsync(new byte[1], window.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            return true;
        }
    }

    private static async Task<bool> PlaintextClosedAsync(int port)
    {
        using var cts = new CancellationTokenSource(Bound);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        var stream = tcp.GetStream();
        try
        {
            // What an Orleans client without TLS sends first: a length-prefixed preamble, nothing like a TLS record.
            await stream.WriteAsync(new byte[] { 0x20, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, cts.Token);
            var buffer = new byte[256];
            while (true)
            {
                if (await stream.ReadAsync(buffer, cts.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
