using System.Security.Cryptography;
using System.Text;
using Hunyuan.Provisioning.Remote;

namespace Hunyuan.Provisioning.Tls;

/// <summary>
/// What one host needs of the cluster's TLS material: the trust bundle (the cluster CA certificate, two during a
/// rotation) and its own node certificate and key (never the CA's key), as PEM text made on the operator's machine.
/// <see cref="Identity"/> names the files (IDENTITY.pem/.key).
/// </summary>
public sealed record HostTlsFiles(string AuthorityPem, string Identity, string CertificatePem, string KeyPem)
{
    public const string AuthorityFileName = "ca.pem";

    /// <summary>The cluster's TLS directory on a host, as a shell expands it (the agent's --tls-dir).</summary>
    public static string Directory(string cluster) => $"{RemotePaths.Cluster(cluster)}/tls";

    /// <summary>The same, relative to the home directory, for file transfers.</summary>
    public static string RelativeDirectory(string cluster) => $"{RemotePaths.RelativeCluster(cluster)}/tls";

    /// <summary>Each file's name and bytes.</summary>
    public IReadOnlyList<(string Name, byte[] Content)> Files =>
    [
        (AuthorityFileName, Encoding.ASCII.GetBytes(AuthorityPem)),
        (Identity + ".pem", Encoding.ASCII.GetBytes(CertificatePem)),
        (Identity + ".key", Encoding.ASCII.GetBytes(KeyPem)),
    ];

    /// <summary>
    /// A hash of the node's own certificate and key: part of the agent's spec, so a new certificate restarts it, revealing
    /// nothing of the key. The trust bundle is left out: a running agent re-reads ca.pem when it changes, so pushing a
    /// bundle (a rotation's first and last step) restarts nothing.
    /// </summary>
    public string Spec => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(Identity + "\n" + CertificatePem + "\n" + KeyPem)))[..16].ToLowerInvariant();
}
