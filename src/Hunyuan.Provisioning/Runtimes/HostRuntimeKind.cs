using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Runtimes;

/// <summary>
/// How hyc's processes run on each host of a list (hosts.yaml `runtime.kind`), parsed once: as plain processes under
/// the login, or inside one container per host. Everything that differs between the two asks this type, so a new kind
/// is a new subclass rather than another string compared across the provisioner.
/// </summary>
public abstract class HostRuntimeKind
{
    public static HostRuntimeKind Process { get; } = new ProcessKind();

    public static HostRuntimeKind Docker { get; } = new DockerKind();

    public static IReadOnlyList<HostRuntimeKind> All { get; } = [Docker, Process];

    /// <summary>The name in hosts.yaml and in the cluster's state file.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the agent lives in a container that `up` creates (and needs docker on the host).</summary>
    public abstract bool UsesContainers { get; }

    public static bool TryParse(string? name, out HostRuntimeKind kind)
    {
        kind = All.FirstOrDefault(k => k.Name == name)!;
        return kind is not null;
    }

    /// <summary>The shell the agent, the endpoint and the mesh's second copy run in on a host.</summary>
    public abstract IHostShell AgentShell(IHostShell host, RuntimeSettings settings);

    /// <summary>Where the agent and the endpoint processes run: the agent's shell, as <paramref name="user"/> inside a container (null: as the shell's own user).</summary>
    public abstract IHostShell ProcessShell(IHostShell host, RuntimeSettings settings, ContainerUser? user);

    /// <summary>Ports the runtime itself needs free on every host (the container's sshd), besides the cluster's.</summary>
    public abstract IReadOnlyList<int> ExtraPorts(RuntimeSettings settings);

    public override string ToString() => Name;

    private sealed class ProcessKind : HostRuntimeKind
    {
        public override string Name => "process";

        public override bool UsesContainers => false;

        public override IHostShell AgentShell(IHostShell host, RuntimeSettings settings) => host;

        public override IHostShell ProcessShell(IHostShell host, RuntimeSettings settings, ContainerUser? user) => host;

        public override IReadOnlyList<int> ExtraPorts(RuntimeSettings settings) => [];
    }

    private sealed class DockerKind : HostRuntimeKind
    {
        public override string Name => "docker";

        public override bool UsesContainers => true;

        public override IHostShell AgentShell(IHostShell host, RuntimeSettings settings) => new ContainerShell(host, settings.ContainerName);

        public override IHostShell ProcessShell(IHostShell host, RuntimeSettings settings, ContainerUser? user) => new ContainerShell(host, settings.ContainerName, user);

        public override IReadOnlyList<int> ExtraPorts(RuntimeSettings settings) => [settings.SshPort];
    }
}
