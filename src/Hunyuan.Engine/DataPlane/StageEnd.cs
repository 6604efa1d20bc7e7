namespace Hunyuan.Engine.DataPlane;

/// <summary>One end of a pipeline link, as far as choosing its transport goes: its node and whether it computes on CUDA.</summary>
public sealed record StageEnd(string Node, bool Cuda);
