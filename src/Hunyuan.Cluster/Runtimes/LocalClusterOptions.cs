namespace Hunyuan.Cluster.Runtimes;

/// <summary>`up --local`: agents on this machine with virtual GPUs (simulated: computed on the CPU).</summary>
public sealed class LocalClusterOptions
{
    public int Nodes { get; init; } = 2;

    public int GpusPerNode { get; init; } = 4;

    public long GpuMemoryBytes { get; init; } = 4L << 30;

    /// <summary>The first silo port; node i uses BasePort + i, its gateway 20000 more.</summary>
    public int BasePort { get; init; } = 11111;

    /// <summary>How long the head's silo may take to listen before the others are started to join it.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>This machine's cores, which the agents split between them (each gets at least one torch thread).</summary>
    public int ProcessorCount { get; init; } = Environment.ProcessorCount;

    /// <summary>The torch threads each of <paramref name="nodes"/> agents gets: its share of the cores, at least one.</summary>
    public int TorchThreadsPerAgent(int nodes) => Math.Max(1, ProcessorCount / nodes);

    /// <summary>How long a stopping process gets after SIGTERM before SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        if (Nodes < 1 || GpusPerNode < 1 || GpuMemoryBytes <= 0 || ProcessorCount < 1)
        {
            throw new ArgumentException("--nodes and --gpus-per-node must be at least 1 and --gpu-memory a positive size");
        }

        if (BasePort < 1 || BasePort + Nodes - 1 + State.LocalLayout.GatewayOffset > 65535)
        {
            throw new ArgumentException($"--base-port {BasePort}: the silo ports and their gateways ({State.LocalLayout.GatewayOffset} above) must be TCP ports");
        }

        if (StartTimeout <= TimeSpan.Zero || StopGrace < TimeSpan.Zero)
        {
            throw new ArgumentException("timeouts must be positive");
        }
    }
}
