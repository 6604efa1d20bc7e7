using Orleans.Placement;
using Orleans.Runtime;

namespace Hunyuan.Grains.Placement;

/// <summary>
/// Places a grain on the silo of the node its key names: a rank key "deployment|rank|node" names its node, a node
/// grain's key is the node. No fallback: a rank on the wrong node would be a lie about where its GPU memory is.
/// </summary>
[Serializable, GenerateSerializer, Immutable]
public sealed class NodePinnedPlacementStrategy : PlacementStrategy
{
    internal static NodePinnedPlacementStrategy Singleton { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePinnedPlacementAttribute() : PlacementAttribute(NodePinnedPlacementStrategy.Singleton);

/// <summary>Places a grain on the head node's silo (deployments and the registry live beside the engine and endpoint).</summary>
[Serializable, GenerateSerializer, Immutable]
public sealed class HeadPlacementStrategy : PlacementStrategy
{
    internal static HeadPlacementStrategy Singleton { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class HeadPlacementAttribute() : PlacementAttribute(HeadPlacementStrategy.Singleton);
