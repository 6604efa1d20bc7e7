using Hunyuan.Engine.Security;

namespace Hunyuan.Cluster.Services;

/// <summary>
/// Which cluster a client command means: explicit gateways (with the Orleans cluster id), else the state file of the
/// cluster named <see cref="Name"/>. The client presents the certificate of <see cref="TlsIdentity"/> from
/// <see cref="TlsDirectory"/>, by default the named cluster's TLS directory; explicit gateways use TLS only when a
/// directory is given (agents started by hand without one speak plain TCP).
/// </summary>
public sealed record ClusterTarget(string Name, IReadOnlyList<string> Gateways, string ClusterId = "hunyuan", string? TlsDirectory = null, string TlsIdentity = ClusterTlsFiles.ClientIdentity)
{
    public static ClusterTarget Named(string name) => new(name, []);
}
