using Hunyuan.Grains.Ranks;

namespace Hunyuan.Grains.Deployments;

/// <summary>A deployment's persisted desired state: what was asked for and the layout it was placed with (its epoch too).</summary>
[GenerateSerializer]
public sealed class DeploymentRecord
{
    [Id(0)]
    public DeploymentSpec? Spec { get; set; }

    [Id(1)]
    public DeploymentLayout? Layout { get; set; }
}
