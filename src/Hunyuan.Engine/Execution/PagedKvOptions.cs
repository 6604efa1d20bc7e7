namespace Hunyuan.Engine.Execution;

/// <summary>A rank's paged KV pool: how many blocks of how many tokens.</summary>
public sealed record PagedKvOptions(int Blocks, int BlockSize);
