namespace Hunyuan.Model.Generation;

/// <summary>What choosing one row's token needs: its parameters, the sequence so far, and the position being chosen.</summary>
public sealed record RowSampling(SamplingParameters Parameters, IReadOnlyList<long> History, int PromptLength, int Position);
