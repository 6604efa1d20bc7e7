using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Engine.Security;

/// <summary>What one mutual-TLS handshake with a cluster port showed: whether it connected, whether each side accepted the other, and the server's certificate.</summary>
public sealed record TlsProbeResult(bool Connected, bool Accepted, X509Certificate2? ServerCertificate, string? Problem)
{
    public static TlsProbeResult Unreachable(string problem) => new(false, false, null, problem);
}
