namespace Hunyuan.Grains.Deployments;

/// <summary>The persisted names of the cluster's deployments.</summary>
[GenerateSerializer]
public sealed class RegistryRecord
{
    [Id(0)]
    public List<string> Names { get; set; } = [];
}
