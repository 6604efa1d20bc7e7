namespace Hunyuan.Model.Generation;

/// <summary>
/// What choosing one row's token needs: its parameters, the sequence so far, the position being chosen, and the ids
/// a grammar allows there (<see cref="TokenMask"/> bitset; null: any).
/// </summary>
public sealed record RowSampling(SamplingParameters Parameters, IReadOnlyList<long> History, int PromptLength, int Position, ulong[]? AllowedTokens = null);
