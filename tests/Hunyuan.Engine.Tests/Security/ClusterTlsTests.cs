using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Hunyuan.Engine.Security;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Engine.Tests.Security;

/// <summary>
/// The reusable TLS options over real sockets on loopback: two holders of the cluster's certificates talk; a client with
/// another CA's certificate, or none, is refused by the server, and a server with another CA's certificate by the client.
/// The listener takes a port the OS picks (port 0), so nothing fixed can collide.
/// </summary>
public sealed class ClusterTlsTests : IDisposable
{
    private readonly TempDirectory _ours = new();
    private readonly TempDirectory _theirs = new();

    public ClusterTlsTests()
    {
        Write(_ours.Path, "ours");
        Write(_theirs.Path, "theirs");
    }

    [Fact]
    public async Task TwoClusterMembersTalkAndEachSeesTheOthersCertificate()
    {
        using var server = ClusterTls.Load(_ours.Path, ClusterTlsFiles.NodeIdentity("n1"));
        using var client = ClusterTls.Load(_ours.Path, ClusterTlsFiles.ClientIdentity);

        var (serverSide, clientSide) = await HandshakeAsync(server, client);

        Assert.Null(serverSide);
        Assert.Null(clientSide);
    }

    [Fact]
    public async Task TheServerRefusesAClientCertificateFromAnotherCa()
    {
        using var server = ClusterTls.Load(_ours.Path, ClusterTlsFiles.NodeIdentity("n1"));
        using var stranger = ClusterTls.Load(_theirs.Path, ClusterTlsFiles.ClientIdentity);

        // The stranger trusts our server (it was given our CA), so only the server's check stands in the way.
        var trustsUs = ClientOptionsTrusting(stranger, server);
        var (serverSide, _) = await HandshakeAsync(server, stranger, trustsUs);

        Assert.IsType<AuthenticationException>(serverSide);
    }

    [Fact]
    public async Task TheServerRefusesAClientWithoutACertificate()
    {
        using var server = ClusterTls.Load(_ours.Path, ClusterTlsFiles.NodeIdentity("n1"));
        using var client = ClusterTls.Load(_ours.Path, ClusterTlsFiles.ClientIdentity);
        var bare = client.ClientOptions("127.0.0.1");
        bare.ClientCertificateContext = null;

        var (serverSide, _) = await HandshakeAsync(server, client, bare);

        Assert.IsType<AuthenticationException>(serverSide);
    }

    [Fact]
    public async Task TheClientRefusesAServerFromAnotherCa()
    {
        using var impostor = ClusterTls.Load(_theirs.Path, ClusterTlsFiles.NodeIdentity("n1"));
        using var client = ClusterTls.Load(_ours.Path, ClusterTlsFiles.ClientIdentity);

        var (_, clientSide) = await HandshakeAsync(impostor, client);

        Assert.IsType<AuthenticationException>(clientSide);
    }

    [Fact]
    public async Task TheProbeTellsAcceptedFromRefused()
    {
        using var server = ClusterTls.Load(_ours.Path, ClusterTlsFiles.NodeIdentity("n1"));
        using var member = ClusterTls.Load(_ours.Path, ClusterTlsFiles.ClientIdentity);
        using var stranger = ClusterTls.Load(_theirs.Path, ClusterTlsFiles.ClientIdentity);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var serving = ServeAsync(listener, server, connections: 2, cts.Token);

        var accepted = await ClusterTlsProbe.ProbeAsync(member, endpoint, TimeSpan.FromSeconds(10));
        var refused = await ClusterTlsProbe.ProbeAsync(stranger, endpoint, TimeSpan.FromSeconds(10));
        await serving;

        Assert.True(accepted.Accepted, accepted.Problem);
        Assert.Equal("CN=n1", accepted.ServerCertificate?.Subject);
        Assert.True(refused.Connected);
        Assert.False(refused.Accepted);
        Assert.Contains("not from this process's cluster CA", refused.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingOrForeignFilesAreNamed()
    {
        File.Delete(new ClusterTlsFiles(_ours.Path).Key(ClusterTlsFiles.ClientIdentity));
        var missing = Assert.Throws<ClusterTlsException>(() => ClusterTls.Load(_ours.Path, ClusterTlsFiles.ClientIdentity));
        Assert.Contains("client.key", missing.Message, StringComparison.Ordinal);
        Assert.Contains("is missing", missing.Message, StringComparison.Ordinal);

        var ours = new ClusterTlsFiles(_ours.Path);
        var theirs = new ClusterTlsFiles(_theirs.Path);
        File.Copy(theirs.Certificate(ClusterTlsFiles.ClientIdentity), ours.Certificate(ClusterTlsFiles.ClientIdentity), overwrite: true);
        File.Copy(theirs.Key(ClusterTlsFiles.ClientIdentity), ours.Key(ClusterTlsFiles.ClientIdentity), overwrite: true);
        var foreign = Assert.Throws<ClusterTlsException>(() => ClusterTls.Load(_ours.Path, ClusterTlsFiles.ClientIdentity));
        Assert.Contains("is not the cluster's", foreign.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _ours.Dispose();
        _theirs.Dispose();
    }

    private static void Write(string directory, string cluster)
    {
        var files = new ClusterTlsFiles(directory);
        using var ca = ClusterCertificateAuthority.Create(cluster);
        File.WriteAllText(files.AuthorityCertificate, ca.CertificatePem);
        foreach (var (identity, issued) in new[] { (ClusterTlsFiles.ClientIdentity, ca.IssueClient("operator")), (ClusterTlsFiles.NodeIdentity("n1"), ca.IssueNode("n1", ["127.0.0.1"])) })
        {
            File.WriteAllText(files.Certificate(identity), issued.CertificatePem);
            File.WriteAllText(files.Key(identity), issued.KeyPem);
        }
    }

    private static SslClientAuthenticationOptions ClientOptionsTrusting(ClusterTls client, ClusterTls server)
    {
        var options = client.ClientOptions("127.0.0.1");
        options.RemoteCertificateValidationCallback = (_, peer, _, _) => server.IsClusterPeer(peer, PeerRole.Server);
        return options;
    }

    // Each side's failure (null when it completed): one connection, a handshake on both ends, then one byte each way,
    // since with TLS 1.3 a client learns that its certificate was refused only when it next reads.
    private static async Task<(Exception? Server, Exception? Client)> HandshakeAsync(ClusterTls server, ClusterTls client, SslClientAuthenticationOptions? clientOptions = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var serverTask = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(cts.Token);
            await using var ssl = new SslStream(socket.GetStream());
            await ssl.AuthenticateAsServerAsync(server.ServerOptions(), cts.Token);
            await ssl.WriteAsync(new byte[] { 1 }, cts.Token);
            var one = new byte[1];
            Assert.Equal(1, await ssl.ReadAsync(one, cts.Token));
        });
        var clientTask = Task.Run(async () =>
        {
            using var socket = new TcpClient();
            await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint, cts.Token);
            await using var ssl = new SslStream(socket.GetStream());
            await ssl.AuthenticateAsClientAsync(clientOptions ?? client.ClientOptions("127.0.0.1"), cts.Token);
            var one = new byte[1];
            if (await ssl.ReadAsync(one, cts.Token) != 1)
            {
                throw new IOException("the server closed the connection");
            }

            await ssl.WriteAsync(new byte[] { 1 }, cts.Token);
        });

        return (await Failure(serverTask), await Failure(clientTask));
    }

    private static async Task ServeAsync(TcpListener listener, ClusterTls server, int connections, CancellationToken cancellationToken)
    {
        for (var i = 0; i < connections; i++)
        {
            using var socket = await listener.AcceptTcpClientAsync(cancellationToken);
            await using var ssl = new SslStream(socket.GetStream());
            try
            {
                await ssl.AuthenticateAsServerAsync(server.ServerOptions(), cancellationToken);
                var one = new byte[1];
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(TimeSpan.FromSeconds(3));
                _ = await ssl.ReadAsync(one, wait.Token);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
            {
                // A refused or finished probe: on to the next.
            }
        }
    }

    private static async Task<Exception?> Failure(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
