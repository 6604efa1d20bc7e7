namespace Hunyuan.Engine.StructuredOutput;

/// <param name="UnconstrainedTokensPerSecond">Decode tokens of all streams per second without a grammar (prefill excluded).</param>
/// <param name="ConstrainedTokensPerSecond">The same with the grammar's masks.</param>
/// <param name="GrammarMillisecondsPerStep">Host time per step spent on masks and advancing, all streams together.</param>
/// <param name="CompletedValues">Values the grammar saw complete.</param>
public sealed record ConstrainedDecodeResult(int Streams, int Steps, double UnconstrainedTokensPerSecond, double ConstrainedTokensPerSecond, double GrammarMillisecondsPerStep, int CompletedValues)
{
    public double Ratio => ConstrainedTokensPerSecond / UnconstrainedTokensPerSecond;
}
