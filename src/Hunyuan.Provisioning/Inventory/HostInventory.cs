using Hunyuan.Provisioning.Runtimes;

namespace Hunyuan.Provisioning.Inventory;

/// <summary>SSH settings for first contact; per-host entries override user, port and identity.</summary>
public sealed record SshSettings(string User, int Port, string? IdentityFile, string? PasswordEnv, bool AcceptNewHostKeys);

/// <summary>How the agent runs on a host: in a docker container, or as a plain process.</summary>
public sealed record RuntimeSettings(HostRuntimeKind Kind, string Image, string ContainerName, int SshPort, bool Privileged, string ShmSize)
{
    /// <summary>Bind mounts of the container, "/host/path:/container/path[:ro]" (model weights, most of all).</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];

    /// <summary>
    /// A libtorch lib/ directory already on every host (as the agent sees it: inside the container for docker), such
    /// as a CUDA libtorch 2.10; null ships the operator's own. When set, the agent bundle carries no libtorch and the
    /// agents and the endpoint load this one (HYC_LIBTORCH_DIR).
    /// </summary>
    public string? LibTorchDir { get; init; }
}

/// <summary>Declared GPUs of a CPU-only host (simulated: computed on the CPU).</summary>
public sealed record VirtualGpus(int Count, long MemoryBytes);

/// <summary>
/// One host of the list, with the line it was declared on (for errors that come later, such as preflight).
/// <paramref name="Interface"/> is the address its cluster ports bind, when not <paramref name="Address"/>.
/// </summary>
public sealed record HostEntry(string Address, string User, int Port, string? IdentityFile, int? Gpus, VirtualGpus? VirtualGpus, string? Interface, int Line);

/// <summary>A parsed, validated hosts.yaml.</summary>
public sealed record HostInventory(string Cluster, SshSettings Ssh, RuntimeSettings Runtime, string Head, IReadOnlyList<HostEntry> Hosts, string Source)
{
    /// <summary>What is allowed but worth a word before anything runs ("file:line: ..."), such as a host that runs as root by default.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
