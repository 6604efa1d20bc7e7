using System.Security.Cryptography;
using System.Text;

namespace Hunyuan.Provisioning.Redis;

/// <summary>
/// Who may do what in the cluster's Redis. The default user is off (no command without credentials); the agents log in
/// as <see cref="AgentUser"/>, which may run only what Orleans' Redis membership (Microsoft.Orleans.Clustering.Redis)
/// and grain storage (Microsoft.Orleans.Persistence.Redis) send, plus the StackExchange.Redis handshake, on Orleans'
/// keys only. Nobody may CONFIG, DEBUG, MODULE, SAVE, BGSAVE, FLUSHALL, FLUSHDB, SHUTDOWN or ACL: `down` stops Redis
/// with a signal. The list was read from those providers' sources and checked against a real redis-server
/// (Hunyuan.Cli.Tests RedisAclTests, which fails on any command the ACL refuses them).
/// </summary>
public static class RedisAcl
{
    /// <summary>The agents' Redis user.</summary>
    public const string AgentUser = "hyc-agent";

    /// <summary>
    /// Orleans' keys: "{ServiceId}/members/{ClusterId}" (membership) and "{ServiceId}/state/..." (grain storage), with
    /// the agents' ServiceId "hyc".
    /// </summary>
    public const string KeyPattern = "hyc/*";

    /// <summary>
    /// Membership: HSETNX/HSET/HGET/HGETALL/HDEL/DEL/EXPIRE and WATCH-guarded MULTI/EXEC (StackExchange.Redis
    /// conditions read with HGET/HEXISTS). Grain storage: HGETALL and Lua scripts (EVAL/EVALSHA; SCRIPT LOAD by the
    /// client's cache) that call HGET, HMSET, EXPIRE and DEL, which Redis checks against this list too. The client's
    /// handshake: AUTH/HELLO, CLIENT SETNAME, SELECT, PING, ECHO, INFO (the agents do not send CLIENT SETINFO, which
    /// Redis 7.0 does not know, so naming it here would stop 7.0 from loading the config).
    /// </summary>
    public static IReadOnlyList<string> AgentCommands { get; } =
    [
        "auth", "hello", "client|setname", "client|id", "select", "ping", "echo", "info",
        "hget", "hgetall", "hset", "hsetnx", "hmset", "hdel", "hexists", "del", "exists", "expire",
        "multi", "exec", "discard", "watch", "unwatch",
        "eval", "evalsha", "script|load", "script|exists",
    ];

    /// <summary>The redis.conf lines: the password only as its SHA-256, so the config file holds no secret.</summary>
    public static string ConfigLines(string agentPassword)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(agentPassword))).ToLowerInvariant();
        return "user default off resetpass resetkeys resetchannels -@all\n"
            + $"user {AgentUser} on #{hash} resetkeys ~{KeyPattern} resetchannels -@all {string.Join(' ', AgentCommands.Select(c => "+" + c))}\n";
    }
}
