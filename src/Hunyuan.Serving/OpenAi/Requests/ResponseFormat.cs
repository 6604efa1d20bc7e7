namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>{"type": "text" | "json_object" | "json_schema", "json_schema": {...}}.</summary>
public sealed record ResponseFormat
{
    public string? Type { get; init; }

    public JsonSchemaFormat? JsonSchema { get; init; }
}

public sealed record JsonSchemaFormat
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public System.Text.Json.JsonElement? Schema { get; init; }

    public bool? Strict { get; init; }
}
