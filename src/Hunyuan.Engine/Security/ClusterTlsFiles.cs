namespace Hunyuan.Engine.Security;

/// <summary>
/// The files of a cluster's TLS directory (~/.hyc/clusters/NAME/tls on the operator's machine, the same path on each
/// host): the cluster CA's certificate (ca.pem), its key (ca.key, on the operator's machine only), and one certificate
/// and key per identity: node-NODE.pem/.key for each agent, client.pem/.key for the operator.
/// </summary>
public sealed class ClusterTlsFiles(string directory)
{
    public const string ClientIdentity = "client";

    public string Directory { get; } = directory;

    public string AuthorityCertificate => Path.Combine(Directory, "ca.pem");

    public string AuthorityKey => Path.Combine(Directory, "ca.key");

    /// <summary>The identity an agent presents: its node's certificate.</summary>
    public static string NodeIdentity(string node) => "node-" + node;

    public string Certificate(string identity) => Path.Combine(Directory, CheckedIdentity(identity) + ".pem");

    public string Key(string identity) => Path.Combine(Directory, CheckedIdentity(identity) + ".key");

    /// <summary>Whether <paramref name="identity"/> can name files here: letters, digits, '.', '-', '_' and ':' (IPv6 node names), not starting with '.'.</summary>
    public static bool IsValidIdentity(string identity) =>
        identity.Length is > 0 and <= 200 && identity[0] != '.' && identity.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':');

    private static string CheckedIdentity(string identity) => IsValidIdentity(identity)
        ? identity
        : throw new ArgumentException($"TLS identity '{identity}' must be letters, digits, '.', '-', '_' or ':' and not start with '.'");
}
