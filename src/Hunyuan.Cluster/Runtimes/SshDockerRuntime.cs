using Hunyuan.Provisioning.Inventory;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>`runtime.kind: docker`: one container per host (host network, GPUs, sshd for the mesh) with the agent and the endpoint inside, Redis in its own container on the head.</summary>
public sealed class SshDockerRuntime(HostInventory inventory, string inventoryPath, SshRuntimeOptions options) : SshClusterRuntime(inventory, inventoryPath, options)
{
    public override string Kind => ClusterRuntimeKinds.SshDocker;
}
