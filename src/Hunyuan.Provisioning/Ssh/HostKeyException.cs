namespace Hunyuan.Provisioning.Ssh;

/// <summary>A host key that cannot be trusted: unknown without permission to accept new keys, or changed (always refused).</summary>
public sealed class HostKeyException(string host, string message) : Exception(message)
{
    public string Host { get; } = host;
}
