namespace Hunyuan.Provisioning.Ssh;

/// <summary>
/// Where and how to log in. The password is never held here: only the NAME of the environment variable that holds
/// it, read at connect time, so it cannot reach argv, logs or state files through this object.
/// </summary>
public sealed record SshTarget(string Host, int Port, string User, string? IdentityFile, string? PasswordEnv, bool AcceptNewHostKeys)
{
    public override string ToString() => $"{User}@{Host}:{Port}";
}
