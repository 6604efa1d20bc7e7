using System.Text.Json.Serialization;
using Hunyuan.Cluster.Preflight;

namespace Hunyuan.Cluster.Status;

/// <summary>The JSON of status and preflight as `--json` prints it (snake_case), for files the application layer writes itself (the debug bundle).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ClusterStatus))]
[JsonSerializable(typeof(PreflightOutput))]
internal sealed partial class StatusJson : JsonSerializerContext;
