using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Responses;

/// <summary>GET /v1/models.</summary>
public sealed record ModelList([property: JsonPropertyName("object")] string Kind, IReadOnlyList<ModelCard> Data);

/// <summary>One served model, with vLLM's max_model_len.</summary>
public sealed record ModelCard(string Id, [property: JsonPropertyName("object")] string Kind, long Created, string OwnedBy, string Root, int MaxModelLen);
