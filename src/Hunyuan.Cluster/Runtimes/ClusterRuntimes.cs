using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>Chooses a cluster's runtime once: from `--local`, from a host list, or from what the state file recorded.</summary>
public static class ClusterRuntimes
{
    public static LocalRuntime Local(LocalClusterOptions options)
    {
        var shell = new LocalShell();
        return new(options, new ShellManagedProcesses(shell, "local", HycInvocation.OfThisProcess(), options.StopGrace), new LoopbackPortProbe(), TimeProvider.System, shell);
    }

    /// <summary>The runtime the host list asks for (its runtime.kind), its errors naming file, line and key.</summary>
    public static SshClusterRuntime FromHostList(string path, SshRuntimeOptions options)
    {
        var inventory = LoadInventory(path, path);
        return inventory.Runtime.Kind.UsesContainers
            ? new SshDockerRuntime(inventory, path, options)
            : new SshProcessRuntime(inventory, path, options);
    }

    /// <summary>The runtime that made a cluster, to manage it again (its endpoints, its processes).</summary>
    public static IClusterRuntime FromState(ClusterState state, SshRuntimeOptions? sshOptions = null) => state.Runtime switch
    {
        ClusterRuntimeKinds.Local => Local(new LocalClusterOptions()),
        ClusterRuntimeKinds.SshProcess or ClusterRuntimeKinds.SshDocker when state.Inventory is { Length: > 0 } path =>
            FromRecordedHostList(path, sshOptions ?? new SshRuntimeOptions()),
        _ => throw new ClusterException(ClusterFailure.FileError, $"cluster '{state.Name}': runtime '{state.Runtime}' in its state file is not one this hyc knows ({ClusterRuntimeKinds.Local}, {ClusterRuntimeKinds.SshProcess}, {ClusterRuntimeKinds.SshDocker})"),
    };

    private static SshClusterRuntime FromRecordedHostList(string path, SshRuntimeOptions options)
    {
        try
        {
            return FromHostList(path, options);
        }
        catch (ClusterException e)
        {
            throw new ClusterException(ClusterFailure.FileError, $"the cluster's host list {path} (recorded by `up`) cannot be used: {e.Message}");
        }
    }

    private static HostInventory LoadInventory(string path, string shown)
    {
        try
        {
            return InventoryParser.Load(path);
        }
        catch (InventoryException e)
        {
            throw new ClusterException(ClusterFailure.InvalidArguments, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterException(ClusterFailure.FileError, $"{shown}: {e.Message}");
        }
    }
}
