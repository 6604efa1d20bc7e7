namespace Hunyuan.Cluster.Tls;

/// <summary>
/// Which identities may be moved to the newest cluster CA when their certificates are next ensured. Outside a rotation
/// every one may (<see cref="Any"/>). During a rotation's roll the service lets one node at a time move, so that one
/// agent at a time restarts; the others keep their certificate as long as a CA of the trust bundle signed it.
/// </summary>
public sealed class CertificateRenewal
{
    private readonly IReadOnlySet<string>? _identities;

    private CertificateRenewal(IReadOnlySet<string>? identities) => _identities = identities;

    public static CertificateRenewal Any { get; } = new(null);

    /// <summary>No certificate moves to the new CA (one that is missing, expiring or lacks an address is still issued).</summary>
    public static CertificateRenewal None { get; } = new(new HashSet<string>(StringComparer.Ordinal));

    public static CertificateRenewal Only(params string[] identities) => new(identities.ToHashSet(StringComparer.Ordinal));

    public bool Allows(string identity) => _identities is null || _identities.Contains(identity);
}
