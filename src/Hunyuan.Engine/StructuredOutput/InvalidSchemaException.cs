namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// A structured-output request the grammar cannot serve: a keyword outside the supported subset, or a schema that is
/// not valid JSON Schema. Names the request field, the keyword and its JSON pointer, so the endpoint can answer 400.
/// </summary>
public sealed class InvalidSchemaException : Exception
{
    public InvalidSchemaException(string field, string path, string? keyword, string reason)
        : base($"{field}: {reason}{(keyword is null ? string.Empty : $" ('{keyword}')")} at {(path.Length == 0 ? "the root" : path)}")
    {
        Field = field;
        Path = path;
        Keyword = keyword;
    }

    public InvalidSchemaException()
        : this("schema", string.Empty, null, "invalid schema")
    {
    }

    public InvalidSchemaException(string message)
        : base(message)
    {
        Field = "schema";
        Path = string.Empty;
    }

    public InvalidSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "schema";
        Path = string.Empty;
    }

    /// <summary>The request field that carried the schema, for example response_format.json_schema.schema.</summary>
    public string Field { get; }

    /// <summary>JSON pointer of the offending schema inside that field ("" for the field itself).</summary>
    public string Path { get; }

    /// <summary>The keyword at fault, when one is.</summary>
    public string? Keyword { get; }
}
