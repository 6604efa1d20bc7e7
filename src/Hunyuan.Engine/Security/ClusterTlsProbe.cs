using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Engine.Security;

/// <summary>
/// One mutual-TLS handshake with a cluster port, to tell why a connection failed: the port does not answer, the server's
/// certificate is not from this process's cluster CA, or the server refused this process's certificate. With TLS 1.3 a
/// server refuses a client certificate after the client's side of the handshake is done, so a short read follows:
/// a connection closed at once is a refusal, one that stays open (or sends data) accepted us.
/// </summary>
public static class ClusterTlsProbe
{
    private static readonly TimeSpan RefusalWindow = TimeSpan.FromMilliseconds(1500);

    public static async Task<TlsProbeResult> ProbeAsync(ClusterTls tls, IPEndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var tcp = new TcpClient(endpoint.AddressFamily);
        try
        {
            await tcp.ConnectAsync(endpoint, cts.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return TlsProbeResult.Unreachable($"{endpoint} does not accept connections: {e.Message}");
        }

        X509Certificate2? server = null;
        string? serverProblem = null;
        var options = tls.ClientOptions(endpoint.Address.ToString());
        options.RemoteCertificateValidationCallback = (_, peer, _, _) =>
        {
            if (peer is null)
            {
                serverProblem = "the server presented no certificate";
                return false;
            }

            server = X509CertificateLoader.LoadCertificate(peer.GetRawCertData());
            serverProblem = tls.Validator.Problem(server, PeerRole.Server);
            return serverProblem is null;
        };

        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cts.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return serverProblem is not null
                ? new TlsProbeResult(true, false, server, $"{endpoint}'s certificate is not from this process's cluster CA {tls.Files.AuthorityCertificate}: {serverProblem}")
                : new TlsProbeResult(true, false, server, $"{endpoint} refused the TLS handshake with this process's certificate {tls.Files.Certificate(tls.Identity)}: {e.GetBaseException().Message}");
        }

        var buffer = new byte[1];
        using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        window.CancelAfter(RefusalWindow);
        try
        {
            if (await ssl.ReadAsync(buffer, window.Token) == 0)
            {
                return new TlsProbeResult(true, false, server, $"{endpoint} closed the connection after the handshake: it refused this process's certificate {tls.Files.Certificate(tls.Identity)}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Still open: the server is waiting for us, so it took our certificate.
        }
        catch (Exception e) when (e is IOException or AuthenticationException)
        {
            return new TlsProbeResult(true, false, server, $"{endpoint} refused this process's certificate {tls.Files.Certificate(tls.Identity)}: {e.GetBaseException().Message}");
        }

        return new TlsProbeResult(true, true, server, null);
    }
}
