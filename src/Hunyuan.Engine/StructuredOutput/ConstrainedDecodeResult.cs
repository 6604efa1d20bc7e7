namespace Hunyuan.Engine.StructuredOutput;

/// <param name="TokensPerSecond">Decode tokens of all streams per second (prefill excluded).</param>
/// <param name="CompletedValues">Values the grammar saw complete (0 without one).</param>
public sealed record ConstrainedDecodeResult(int Streams, int Steps, double TokensPerSecond, int CompletedValues);
