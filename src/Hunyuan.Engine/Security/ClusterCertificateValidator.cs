using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Engine.Security;

/// <summary>
/// Accepts a peer certificate only when it chains to one of the cluster's CAs (<see cref="ClusterTrustBundle"/>: one,
/// or the old and the new one during a rotation) and to nothing else: the chain is built with those CAs as the only
/// custom roots (the machine's trust store plays no part), within its validity, with the key usage the peer's role
/// needs. A certificate from any other CA, however valid elsewhere, is refused; one from a CA that left the bundle is
/// refused from the moment the bundle file changes.
/// </summary>
public sealed class ClusterCertificateValidator
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly TimeProvider _time;

    public ClusterCertificateValidator(ClusterTrustBundle trust, TimeProvider? time = null)
    {
        Trust = trust;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A validator that trusts <paramref name="authority"/> alone.</summary>
    public ClusterCertificateValidator(X509Certificate2 authority, TimeProvider? time = null)
        : this(ClusterTrustBundle.Of(authority), time)
    {
    }

    public ClusterTrustBundle Trust { get; }

    /// <summary>Null when <paramref name="certificate"/> is a cluster certificate good for <paramref name="role"/>, else why not.</summary>
    public string? Problem(X509Certificate2 certificate, PeerRole role)
    {
        // One snapshot for the whole decision: a bundle replaced meanwhile applies from the next handshake.
        var authorities = Trust.Authorities;
        if (authorities.Any(a => a.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)))
        {
            return "the peer presented the CA certificate itself, which is no node's or client's identity";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy = Policy(role, authorities);
        var trusted = string.Join("', '", authorities.Select(a => a.Subject));
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            return $"certificate '{certificate.Subject}' (issued by '{certificate.Issuer}') is not from this cluster's CA '{trusted}': {string.Join("; ", reasons)}";
        }

        var root = chain.ChainElements[^1].Certificate;
        return authorities.Any(a => root.RawDataMemory.Span.SequenceEqual(a.RawDataMemory.Span))
            ? null
            : $"certificate '{certificate.Subject}' chains to '{root.Subject}', not to this cluster's CA '{trusted}'";
    }

    public bool IsValid(X509Certificate2 certificate, PeerRole role) => Problem(certificate, role) is null;

    /// <summary>The chain policy of the cluster: its CAs as the only roots, no downloads, no revocation lists (the cluster has none).</summary>
    public X509ChainPolicy Policy(PeerRole role) => Policy(role, Trust.Authorities);

    private X509ChainPolicy Policy(PeerRole role, IReadOnlyList<X509Certificate2> authorities)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            VerificationTime = _time.GetUtcNow().UtcDateTime,
            VerificationTimeIgnored = false,
        };
        foreach (var authority in authorities)
        {
            policy.CustomTrustStore.Add(authority);
        }

        policy.ApplicationPolicy.Add(role == PeerRole.Server ? ServerAuthentication : ClientAuthentication);
        return policy;
    }
}
