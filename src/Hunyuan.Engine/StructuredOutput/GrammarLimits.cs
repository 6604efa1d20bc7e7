namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// Bounds the grammar puts on what JSON allows without limit, so a model cannot ramble whitespace or digits until it
/// runs out of tokens (xgrammar and vLLM restrict the same things). Every value the bounds admit is valid JSON.
/// </summary>
public sealed record GrammarLimits
{
    /// <summary>
    /// Whitespace characters (space, tab, newline, carriage return) allowed in each gap between structural characters
    /// (after '{', '[', ',' and ':', and before ',', '}' and ']'); never before or after the top-level value.
    /// </summary>
    /// <value>16: room for a newline and indentation a few levels deep.</value>
    public int MaxWhitespace { get; init; } = 16;

    /// <summary>Digits before the decimal point.</summary>
    /// <value>15: every such integer is exact in a double.</value>
    public int MaxIntegerDigits { get; init; } = 15;

    /// <value>15.</value>
    public int MaxFractionDigits { get; init; } = 15;

    /// <value>2: exponents up to 99, within a double's range.</value>
    public int MaxExponentDigits { get; init; } = 2;

    /// <summary>Automaton states whose masks a grammar keeps; past it, new states' masks are computed each time.</summary>
    /// <value>2,048 (16 KiB each at the real model's 128K vocabulary).</value>
    public int MaxCachedStates { get; init; } = 2048;

    public static GrammarLimits Default { get; } = new();

    public void Validate()
    {
        if (MaxWhitespace < 0 || MaxIntegerDigits < 1 || MaxFractionDigits < 1 || MaxExponentDigits < 1 || MaxCachedStates < 0)
        {
            throw new ArgumentException($"invalid grammar limits: {this}");
        }
    }
}
