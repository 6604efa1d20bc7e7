using System.Text.Json.Serialization;

namespace Hunyuan.Serving.Dashboard;

/// <summary>The dashboard's payload as the page reads it (snake_case, like `hyc status --json`).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DashboardSnapshot))]
internal sealed partial class DashboardJson : JsonSerializerContext;
