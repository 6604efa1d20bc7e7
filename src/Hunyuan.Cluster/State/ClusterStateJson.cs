using System.Text.Json.Serialization;

namespace Hunyuan.Cluster.State;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ClusterState))]
[JsonSerializable(typeof(LegacyProcessList))]
internal sealed partial class ClusterStateJson : JsonSerializerContext;
