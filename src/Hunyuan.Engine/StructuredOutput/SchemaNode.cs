namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// A compiled schema: what one JSON value may be. Nodes are compared by reference (the automaton's frames hold them),
/// and may form cycles through <see cref="RefNode"/>.
/// </summary>
public abstract class SchemaNode
{
}

/// <summary>Exactly one of these byte strings (enum, const, true/false/null, guided_choice).</summary>
public sealed class LiteralNode(IReadOnlyList<byte[]> choices) : SchemaNode
{
    public IReadOnlyList<byte[]> Choices { get; } = choices;
}

/// <summary>A JSON string of at most <see cref="MaxLength"/> UTF-16 code units, when set.</summary>
public sealed class StringNode(int? maxLength) : SchemaNode
{
    public static StringNode Unbounded { get; } = new(null);

    public int? MaxLength { get; } = maxLength;
}

/// <summary>A JSON number; a whole-only number (JSON Schema integer) has no fraction and no exponent.</summary>
public sealed class NumberNode(bool wholeOnly) : SchemaNode
{
    public bool WholeOnly { get; } = wholeOnly;
}

/// <summary>A JSON array of <see cref="Items"/>, between <see cref="MinItems"/> and <see cref="MaxItems"/> (unbounded when null) long.</summary>
public sealed class ArrayNode(SchemaNode items, int minItems, int? maxItems) : SchemaNode
{
    public SchemaNode Items { get; } = items;

    public int MinItems { get; } = minItems;

    public int? MaxItems { get; } = maxItems;
}

/// <summary>One declared property: its key as a JSON string literal (quotes included) and its value.</summary>
public sealed record PropertyNode(string Name, byte[] Key, SchemaNode Value, bool Required);

/// <summary>
/// A JSON object whose members are the declared properties in declaration order (optional ones may be left out), or,
/// with no properties and <see cref="FreeValues"/> set, any distinct keys each with such a value.
/// </summary>
public sealed class ObjectNode(IReadOnlyList<PropertyNode> properties, SchemaNode? freeValues) : SchemaNode
{
    public IReadOnlyList<PropertyNode> Properties { get; } = properties;

    public SchemaNode? FreeValues { get; } = freeValues;
}

/// <summary>A value of any of the alternatives.</summary>
public sealed class AnyOfNode(IReadOnlyList<SchemaNode> alternatives) : SchemaNode
{
    public IReadOnlyList<SchemaNode> Alternatives { get; } = alternatives;
}

/// <summary>A $ref, resolved once the whole schema is compiled (so definitions may refer to each other and to themselves).</summary>
public sealed class RefNode(string reference) : SchemaNode
{
    public string Reference { get; } = reference;

    public SchemaNode Target { get; set; } = null!;
}
