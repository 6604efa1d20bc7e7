using System.Text.Json;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// OpenAI's response_format as an endpoint reads it: the type, whether a json_schema object came, its name and schema.
/// </summary>
public sealed record ResponseFormatFields(string? Type, bool? HasJsonSchema, string? Name, JsonElement? Schema);
