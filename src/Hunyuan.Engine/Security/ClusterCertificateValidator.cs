using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Engine.Security;

/// <summary>
/// Accepts a peer certificate only when it chains to the cluster CA and to nothing else: the chain is built with the CA
/// as the one custom root (the machine's trust store plays no part), within its validity, with the key usage the
/// peer's role needs. A certificate from any other CA, however valid elsewhere, is refused.
/// </summary>
public sealed class ClusterCertificateValidator(X509Certificate2 authority, TimeProvider? time = null)
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public X509Certificate2 Authority { get; } = authority;

    /// <summary>Null when <paramref name="certificate"/> is a cluster certificate good for <paramref name="role"/>, else why not.</summary>
    public string? Problem(X509Certificate2 certificate, PeerRole role)
    {
        if (certificate.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span))
        {
            return "the peer presented the CA certificate itself, which is no node's or client's identity";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy = Policy(role);
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            return $"certificate '{certificate.Subject}' (issued by '{certificate.Issuer}') is not from this cluster's CA '{Authority.Subject}': {string.Join("; ", reasons)}";
        }

        var root = chain.ChainElements[^1].Certificate;
        return root.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span)
            ? null
            : $"certificate '{certificate.Subject}' chains to '{root.Subject}', not to this cluster's CA";
    }

    public bool IsValid(X509Certificate2 certificate, PeerRole role) => Problem(certificate, role) is null;

    /// <summary>The chain policy of the cluster: its CA as the only root, no downloads, no revocation lists (the cluster has none).</summary>
    public X509ChainPolicy Policy(PeerRole role)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            VerificationTime = _time.GetUtcNow().UtcDateTime,
            VerificationTimeIgnored = false,
        };
        policy.CustomTrustStore.Add(Authority);
        policy.ApplicationPolicy.Add(role == PeerRole.Server ? ServerAuthentication : ClientAuthentication);
        return policy;
    }
}
