namespace Hunyuan.Engine.StructuredOutput.Automaton;

internal enum ArrayPhase
{
    /// <summary>After '[': an item, or ']' when none is required.</summary>
    Open,

    /// <summary>After ',': an item.</summary>
    Comma,

    /// <summary>After an item: ',' below maxItems, ']' from minItems on.</summary>
    Item,
}
