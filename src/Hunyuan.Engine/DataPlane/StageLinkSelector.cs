using Hunyuan.Engine.Collectives.Nccl;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The one place that decides how a pipeline link carries activations. NCCL only when the two ranks are on different
/// nodes, both compute on CUDA devices, the mode allows it and libnccl.so.2 loads; otherwise the socket link (same
/// node, CPU ranks, or no NCCL). NCCL is not even looked for unless both ends are GPUs on different nodes. Both ends
/// decide independently, so every GPU node of a deployment needs the same HYC_STAGE_LINK and NCCL availability; a
/// mismatch fails the link's steps with a message saying so.
/// </summary>
public sealed class StageLinkSelector(StageLinkMode mode, NcclLoader loader)
{
    public const string EnvironmentVariable = "HYC_STAGE_LINK";

    /// <summary>The selector for this process: HYC_STAGE_LINK and the default NCCL loader.</summary>
    public static StageLinkSelector FromEnvironment() => new(ParseMode(Environment.GetEnvironmentVariable(EnvironmentVariable)), NcclLoader.Default);

    /// <summary>"auto" (or unset) or "socket"; anything else is refused by name rather than silently ignored.</summary>
    public static StageLinkMode ParseMode(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => StageLinkMode.Auto,
        "socket" => StageLinkMode.Socket,
        _ => throw new ArgumentException($"{EnvironmentVariable}='{value}' is not 'auto' or 'socket'", nameof(value)),
    };

    public StageLinkMode Mode => mode;

    /// <summary>How the link between <paramref name="me"/> and the adjacent stage's <paramref name="peer"/> carries activations.</summary>
    public StageLinkKind Choose(StageEnd me, StageEnd peer)
    {
        ArgumentNullException.ThrowIfNull(me);
        ArgumentNullException.ThrowIfNull(peer);
        if (mode == StageLinkMode.Socket || string.Equals(me.Node, peer.Node, StringComparison.Ordinal) || !me.Cuda || !peer.Cuda)
        {
            return StageLinkKind.Socket;
        }

        return loader.Library is null ? StageLinkKind.Socket : StageLinkKind.Nccl;
    }
}
