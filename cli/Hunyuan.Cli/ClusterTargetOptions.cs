using System.CommandLine;
using Hunyuan.Cluster.Services;
using Hunyuan.Engine.Security;

namespace Hunyuan.Cli;

/// <summary>
/// How client commands name the cluster: --gateway host:port (repeatable), else the state file `up` wrote for
/// --cluster NAME (~/.hyc/clusters/NAME/cluster.json; default NAME "local"). The client presents its certificate from
/// the cluster's TLS directory (~/.hyc/clusters/NAME/tls) or --tls-dir; with --gateway, TLS only when --tls-dir is given.
/// </summary>
internal static class ClusterTargetOptions
{
    public static readonly Option<string[]> GatewayOption = new("--gateway") { Description = "A silo gateway host:port (repeatable); overrides the state file", AllowMultipleArgumentsPerToken = false };
    public static readonly Option<string> ClusterOption = new("--cluster") { Description = "Cluster name whose state file to use", DefaultValueFactory = _ => "local" };
    public static readonly Option<string> ClusterIdOption = new("--cluster-id") { Description = "Orleans cluster id with --gateway", DefaultValueFactory = _ => "hunyuan" };
    public static readonly Option<string?> TlsDirOption = new("--tls-dir") { Description = "TLS directory with ca.pem and this client's certificate (default: the cluster's, ~/.hyc/clusters/NAME/tls; with --gateway: none, plain TCP)" };
    public static readonly Option<string> TlsIdentityOption = new("--tls-identity") { Description = "Which certificate of the TLS directory to present (IDENTITY.pem/.key)", DefaultValueFactory = _ => ClusterTlsFiles.ClientIdentity };
    public static readonly Option<int> ConnectTimeoutOption = new("--connect-timeout") { Description = "Seconds to wait for the cluster to answer", DefaultValueFactory = _ => 15 };

    public static void AddTo(Command command, bool withConnectTimeout = true)
    {
        command.Options.Add(GatewayOption);
        command.Options.Add(ClusterOption);
        command.Options.Add(ClusterIdOption);
        command.Options.Add(TlsDirOption);
        command.Options.Add(TlsIdentityOption);
        if (withConnectTimeout)
        {
            command.Options.Add(ConnectTimeoutOption);
        }
    }

    public static ClusterTarget Read(ParseResult r) =>
        new(r.GetValue(ClusterOption) ?? "local", r.GetValue(GatewayOption) ?? [], r.GetValue(ClusterIdOption) ?? "hunyuan",
            r.GetValue(TlsDirOption) is { } dir ? Path.GetFullPath(dir) : null, r.GetValue(TlsIdentityOption) ?? ClusterTlsFiles.ClientIdentity);

    public static TimeSpan ConnectTimeout(ParseResult r) => TimeSpan.FromSeconds(Math.Max(1, r.GetValue(ConnectTimeoutOption)));
}
