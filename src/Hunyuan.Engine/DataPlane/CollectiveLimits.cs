namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// What a tensor-parallel peer may send as its part of a collective, derived from the deployment's layout: at most
/// <paramref name="MaxRows"/> rows (tokens, or sequences for logits) of one of the widths the model's collectives have
/// (the hidden size for all-reduces, a member's vocabulary slice for the logits' all-gather). Nothing larger is read.
/// </summary>
public sealed record CollectiveLimits(long MaxRows, IReadOnlyList<long> Columns)
{
    /// <summary>The largest part payload: its header and the widest allowed shape in float32.</summary>
    public long MaxPartBytes => CollectivePartFrame.MaxHeaderBytes + (MaxRows * Columns.Max() * 4);
}
