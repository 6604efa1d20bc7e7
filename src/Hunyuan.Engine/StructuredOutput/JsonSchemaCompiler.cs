using Hunyuan.Engine.StructuredOutput.Automaton;

using System.Text;
using System.Text.Json;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// Compiles the supported subset of JSON Schema into <see cref="SchemaNode"/>s: type (one or a list), object
/// (properties, required, additionalProperties), array (items, minItems, maxItems), string (maxLength), number,
/// integer, boolean, null, enum, const, anyOf, $ref into $defs/definitions (or "#"), nested to any depth. Annotations
/// (title, description, $schema, $id, $comment, examples, default, deprecated, readOnly, writeOnly) are accepted and
/// ignored; any other keyword, or a keyword with a value JSON Schema does not allow, throws
/// <see cref="InvalidSchemaException"/> naming it and its JSON pointer.
/// </summary>
/// <remarks>
/// What is generated is always a subset of what the schema allows: properties come in declaration order;
/// additionalProperties absent or true generates the declared properties only (an object with no declared
/// properties then takes any keys and values); without "type" the kind comes from the keywords present (properties or
/// additionalProperties: object; items, minItems, maxItems: array; maxLength: string), else any JSON value.
/// </remarks>
public sealed class JsonSchemaCompiler
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly",
    };

    private static readonly HashSet<string> ObjectKeywords = new(StringComparer.Ordinal) { "properties", "required", "additionalProperties" };
    private static readonly HashSet<string> ArrayKeywords = new(StringComparer.Ordinal) { "items", "minItems", "maxItems" };
    private static readonly HashSet<string> StringKeywords = new(StringComparer.Ordinal) { "maxLength" };
    private static readonly HashSet<string> Structural = new(StringComparer.Ordinal) { "type", "enum", "const", "anyOf", "$ref", "$defs", "definitions" };

    private readonly string _field;
    private readonly GrammarLimits _limits;
    private readonly Dictionary<string, SchemaNode> _definitions = new(StringComparer.Ordinal);
    private readonly List<(RefNode Node, string Path)> _refs = [];
    private SchemaNode? _rootNode;

    private JsonSchemaCompiler(string field, GrammarLimits limits)
    {
        _field = field;
        _limits = limits;
    }

    /// <summary>Any JSON value: the values of response_format json_object and of an unconstrained schema.</summary>
    public static SchemaNode AnyValue { get; } = BuildAnyValue();

    /// <summary>Any JSON object (response_format json_object).</summary>
    public static SchemaNode AnyObject { get; } = ((AnyOfNode)AnyValue).Alternatives.OfType<ObjectNode>().Single();

    /// <param name="field">The request field the schema came in, named in errors.</param>
    public static SchemaNode Compile(JsonElement schema, string field, GrammarLimits? limits = null)
    {
        var compiler = new JsonSchemaCompiler(field, limits ?? GrammarLimits.Default);
        var node = compiler.Node(schema, string.Empty);
        compiler._rootNode = node;
        compiler.ResolveRefs();
        return node;
    }

    private static SchemaNode BuildAnyValue()
    {
        var alternatives = new List<SchemaNode>();
        var any = new AnyOfNode(alternatives);
        alternatives.Add(new ObjectNode([], any));
        alternatives.Add(new ArrayNode(any, 0, null));
        alternatives.Add(StringNode.Unbounded);
        alternatives.Add(new NumberNode(false));
        alternatives.Add(new LiteralNode([Encoding.ASCII.GetBytes("true"), Encoding.ASCII.GetBytes("false"), Encoding.ASCII.GetBytes("null")]));
        return any;
    }

    private SchemaNode Node(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return AnyValue;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, null, schema.ValueKind == JsonValueKind.False ? "the schema false allows no value" : "a schema must be an object or a boolean");
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in schema.EnumerateObject())
        {
            if (!Annotations.Contains(p.Name) && !Structural.Contains(p.Name) && !ObjectKeywords.Contains(p.Name)
                && !ArrayKeywords.Contains(p.Name) && !StringKeywords.Contains(p.Name))
            {
                throw new InvalidSchemaException(_field, path, p.Name, "unsupported keyword");
            }

            present.Add(p.Name);
        }

        foreach (var defs in new[] { "$defs", "definitions" })
        {
            if (schema.TryGetProperty(defs, out var d))
            {
                CompileDefinitions(d, Pointer(path, defs), defs);
            }
        }

        var constraints = present.Where(k => !Annotations.Contains(k) && k is not "$defs" and not "definitions").ToList();
        if (schema.TryGetProperty("$ref", out var reference))
        {
            return Ref(reference, constraints, path);
        }

        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            return AnyOf(anyOf, constraints, path);
        }

        var shape = Shape(schema, present, path);
        var literals = schema.TryGetProperty("enum", out var e) ? EnumValues(e, Pointer(path, "enum"))
            : schema.TryGetProperty("const", out var c) ? [c]
            : null;
        if (literals is null)
        {
            return shape;
        }

        // enum and const restrict the value further: keep only the literals the rest of the schema accepts.
        var keyword = present.Contains("enum") ? "enum" : "const";
        var choices = new List<byte[]>();
        foreach (var value in literals)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(value);
            if (GrammarStates.Accepts(shape, bytes, _limits))
            {
                choices.Add(bytes);
            }
        }

        return choices.Count > 0
            ? new LiteralNode(choices)
            : throw Invalid(path, keyword, "no value of the enum/const matches the rest of the schema");
    }

    private SchemaNode Ref(JsonElement reference, List<string> constraints, string path)
    {
        if (constraints.Count != 1)
        {
            throw new InvalidSchemaException(_field, path, constraints.First(k => k != "$ref"), "unsupported beside $ref");
        }

        if (reference.ValueKind != JsonValueKind.String)
        {
            throw Invalid(path, "$ref", "must be a string");
        }

        var target = reference.GetString()!;
        var node = new RefNode(target);
        _refs.Add((node, Pointer(path, "$ref")));
        return node;
    }

    private AnyOfNode AnyOf(JsonElement anyOf, List<string> constraints, string path)
    {
        if (constraints.Count != 1)
        {
            throw new InvalidSchemaException(_field, path, constraints.First(k => k != "anyOf"), "unsupported beside anyOf");
        }

        if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
        {
            throw Invalid(path, "anyOf", "must be a non-empty array of schemas");
        }

        var alternatives = new List<SchemaNode>();
        var i = 0;
        foreach (var alternative in anyOf.EnumerateArray())
        {
            alternatives.Add(Node(alternative, Pointer(Pointer(path, "anyOf"), (i++).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        return new AnyOfNode(alternatives);
    }

    private SchemaNode Shape(JsonElement schema, HashSet<string> present, string path)
    {
        var types = Types(schema, path);
        if (types is null)
        {
            types = [];
            if (present.Overlaps(ObjectKeywords))
            {
                types.Add("object");
            }

            if (present.Overlaps(ArrayKeywords))
            {
                types.Add("array");
            }

            if (present.Overlaps(StringKeywords))
            {
                types.Add("string");
            }

            if (types.Count == 0)
            {
                return AnyValue;
            }
        }

        var nodes = new List<SchemaNode>();
        var literals = new List<byte[]>();
        foreach (var t in types)
        {
            switch (t)
            {
                case "object":
                    nodes.Add(Object(schema, path));
                    break;
                case "array":
                    nodes.Add(Array(schema, path));
                    break;
                case "string":
                    nodes.Add(new StringNode(Count(schema, "maxLength", path)));
                    break;
                case "number":
                    nodes.Add(new NumberNode(false));
                    break;
                case "integer":
                    nodes.Add(new NumberNode(true));
                    break;
                case "boolean":
                    literals.Add("true"u8.ToArray());
                    literals.Add("false"u8.ToArray());
                    break;
                case "null":
                    literals.Add("null"u8.ToArray());
                    break;
            }
        }

        // Keywords of a type the schema does not allow constrain nothing; still check their values are well formed.
        if (!types.Contains("object"))
        {
            _ = present.Overlaps(ObjectKeywords) ? Object(schema, path) : null;
        }

        if (!types.Contains("array"))
        {
            _ = present.Overlaps(ArrayKeywords) ? Array(schema, path) : null;
        }

        if (!types.Contains("string"))
        {
            _ = Count(schema, "maxLength", path);
        }

        if (literals.Count > 0)
        {
            nodes.Add(new LiteralNode(literals));
        }

        return nodes.Count == 1 ? nodes[0] : new AnyOfNode(nodes);
    }

    private List<string>? Types(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return null;
        }

        var names = type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array when type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String) =>
                type.EnumerateArray().Select(t => t.GetString()!).ToList(),
            _ => throw Invalid(path, "type", "must be a type name or a non-empty array of them"),
        };

        foreach (var n in names)
        {
            if (n is not ("object" or "array" or "string" or "number" or "integer" or "boolean" or "null"))
            {
                throw Invalid(path, "type", $"'{n}' is not a JSON Schema type");
            }
        }

        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw Invalid(path, "type", "lists a type twice");
        }

        // "number" already admits every integer.
        if (names.Contains("number"))
        {
            names.Remove("integer");
        }

        return names;
    }

    private ObjectNode Object(JsonElement schema, string path)
    {
        var properties = new List<PropertyNode>();
        var names = new List<string>();
        if (schema.TryGetProperty("properties", out var props))
        {
            if (props.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "properties", "must be an object of schemas");
            }

            foreach (var p in props.EnumerateObject())
            {
                names.Add(p.Name);
            }
        }

        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var req))
        {
            if (req.ValueKind != JsonValueKind.Array || !req.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String))
            {
                throw Invalid(path, "required", "must be an array of property names");
            }

            foreach (var r in req.EnumerateArray())
            {
                var name = r.GetString()!;
                if (!required.Add(name))
                {
                    throw Invalid(path, "required", $"names '{name}' twice");
                }

                if (!names.Contains(name))
                {
                    throw Invalid(path, "required", $"'{name}' is not among the properties (only declared properties are generated)");
                }
            }
        }

        SchemaNode? free = null;
        if (schema.TryGetProperty("additionalProperties", out var additional))
        {
            var at = Pointer(path, "additionalProperties");
            free = additional.ValueKind switch
            {
                JsonValueKind.True => AnyValue,
                JsonValueKind.False => null,
                JsonValueKind.Object => Node(additional, at),
                _ => throw Invalid(path, "additionalProperties", "must be a boolean or a schema"),
            };
        }
        else
        {
            free = AnyValue;
        }

        foreach (var name in names)
        {
            var value = Node(props.GetProperty(name), Pointer(Pointer(path, "properties"), name));
            properties.Add(new PropertyNode(name, JsonSerializer.SerializeToUtf8Bytes(name), value, required.Contains(name)));
        }

        // Extra keys are generated only where nothing is declared: a generated key could otherwise repeat a declared one.
        return new ObjectNode(properties, properties.Count == 0 ? free : null);
    }

    private ArrayNode Array(JsonElement schema, string path)
    {
        SchemaNode items = AnyValue;
        if (schema.TryGetProperty("items", out var i))
        {
            if (i.ValueKind == JsonValueKind.Array)
            {
                throw new InvalidSchemaException(_field, path, "items", "unsupported: an array of schemas (tuple validation)");
            }

            items = Node(i, Pointer(path, "items"));
        }

        var min = Count(schema, "minItems", path) ?? 0;
        var max = Count(schema, "maxItems", path);
        if (max < min)
        {
            throw Invalid(path, "maxItems", $"is below minItems ({max} < {min})");
        }

        return new ArrayNode(items, min, max);
    }

    private int? Count(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var v))
        {
            return null;
        }

        // JSON Schema allows 3.0 where an integer is meant.
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || d < 0 || d != Math.Floor(d) || d > int.MaxValue)
        {
            throw Invalid(path, keyword, "must be a non-negative integer");
        }

        return (int)d;
    }

    private List<JsonElement> EnumValues(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0)
        {
            throw Invalid(path, null, "enum must be a non-empty array");
        }

        return [.. e.EnumerateArray()];
    }

    private void CompileDefinitions(JsonElement defs, string path, string keyword)
    {
        if (defs.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, keyword, "must be an object of schemas");
        }

        foreach (var d in defs.EnumerateObject())
        {
            var at = Pointer(path, d.Name);
            _definitions[at] = Node(d.Value, at);
        }
    }

    private void ResolveRefs()
    {
        foreach (var (node, path) in _refs)
        {
            var target = node.Reference == "#" ? _rootNode
                : node.Reference.StartsWith('#') && _definitions.TryGetValue(Uri.UnescapeDataString(node.Reference[1..]), out var found) ? found
                : null;
            node.Target = target ?? throw new InvalidSchemaException(_field, path, "$ref",
                $"'{node.Reference}' is not supported: only \"#\" and \"#/$defs/NAME\" or \"#/definitions/NAME\" of this schema");
        }

        // A cycle of references with nothing in between would never produce a byte.
        foreach (var (node, path) in _refs)
        {
            var seen = new HashSet<SchemaNode>(ReferenceEqualityComparer.Instance);
            SchemaNode current = node;
            while (current is RefNode r)
            {
                if (!seen.Add(r))
                {
                    throw Invalid(path, "$ref", "refers to itself without a value in between");
                }

                current = r.Target;
            }
        }
    }

    private InvalidSchemaException Invalid(string path, string? keyword, string reason) => new(_field, path, keyword, reason);

    private static string Pointer(string path, string segment) => path + "/" + segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
