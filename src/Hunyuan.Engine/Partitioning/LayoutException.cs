namespace Hunyuan.Engine.Partitioning;

/// <summary>A layout that cannot work; the message says why (heads, CLA pairs, experts, GPUs).</summary>
public sealed class LayoutException(string reason) : Exception(reason)
{
    public string Reason { get; } = reason;
}
