using Hunyuan.Engine.Security;
using Orleans.Connections.Security;

namespace Hunyuan.Grains.Hosting;

/// <summary>
/// The cluster's mutual TLS in Orleans' terms: present this process's cluster certificate, require the peer's, and
/// accept it only when it chains to the cluster CA (<see cref="ClusterCertificateValidator"/>); a connection without
/// one, or with any other, is closed during the handshake, before a single Orleans message is read.
/// </summary>
public static class OrleansTls
{
    /// <summary>A silo, on both its ports and its connections to other silos.</summary>
    public static void ConfigureSilo(TlsOptions options, ClusterTls tls)
    {
        Common(options, tls);

        // A silo's peers are other silos (node certificates, good for both sides) and clients: each must be good for client authentication.
        options.RemoteCertificateValidation = (certificate, _, _) => tls.Validator.IsValid(certificate, PeerRole.Client);
    }

    /// <summary>A client (the CLI, the endpoint) connecting to gateways.</summary>
    public static void ConfigureClient(TlsOptions options, ClusterTls tls)
    {
        Common(options, tls);
        options.RemoteCertificateValidation = (certificate, _, _) => tls.Validator.IsValid(certificate, PeerRole.Server);
    }

    private static void Common(TlsOptions options, ClusterTls tls)
    {
        options.LocalCertificate = tls.Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.SslProtocols = ClusterTls.Protocols;
        options.CheckCertificateRevocation = false;
        options.HandshakeTimeout = TimeSpan.FromSeconds(10);
    }
}
