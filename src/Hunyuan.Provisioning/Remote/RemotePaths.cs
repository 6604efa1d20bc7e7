namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// Where hyc keeps things on a host. Commands name them through <see cref="Root"/>, which a shell expands: $HYC_HOME
/// inside hyc's containers (the host's ~/.hyc mounted there), ~/.hyc on the host itself. File transfers, which run
/// on the host, use the home-relative forms. Cluster names and bundle ids are [A-Za-z0-9_-], safe inside quotes.
/// </summary>
public static class RemotePaths
{
    public const string Root = "${HYC_HOME:-$HOME/.hyc}";

    public static string Agents => $"{Root}/agents";

    public static string Bundle(string id) => $"{Root}/agents/{id}";

    public static string Cluster(string cluster) => $"{Root}/clusters/{cluster}";

    public static string RelativeCluster(string cluster) => $".hyc/clusters/{cluster}";

    public static string RelativeBundle(string id) => $".hyc/agents/{id}";

    public static string PasswordFileName => "redis.password";

    /// <summary>The agents' Redis ACL user name, in a 0600 file beside the password (as the agents read both).</summary>
    public static string RedisUserFileName => "redis.user";
}
