using Hunyuan.Provisioning.Inventory;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>`runtime.kind: process`: the agent, Redis and the endpoint as plain processes of the SSH login on each host.</summary>
public sealed class SshProcessRuntime(HostInventory inventory, string inventoryPath, SshRuntimeOptions options) : SshClusterRuntime(inventory, inventoryPath, options)
{
    public override string Kind => ClusterRuntimeKinds.SshProcess;
}
