namespace Hunyuan.Grains.Nodes;

/// <summary>
/// One node's answer to "can you load this model directory?": the path as that node resolved it, and why not
/// (null: it can).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ModelCheck(
    [property: Id(0)] string Node,
    [property: Id(1)] string Address,
    [property: Id(2)] string Path,
    [property: Id(3)] string? Problem)
{
    public bool Ok => Problem is null;
}
