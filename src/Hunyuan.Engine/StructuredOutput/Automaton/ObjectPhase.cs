namespace Hunyuan.Engine.StructuredOutput.Automaton;

internal enum ObjectPhase
{
    /// <summary>After '{': a key, or '}' when nothing is required.</summary>
    Open,

    /// <summary>After ',': a key.</summary>
    Comma,

    /// <summary>After a key: ':'.</summary>
    Colon,

    /// <summary>After a member's value: ',' when another may follow, '}' when nothing required is left.</summary>
    Value,
}
