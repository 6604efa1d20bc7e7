namespace Hunyuan.Cluster.State;

/// <summary>The shape of a local cluster: agents local-0..N-1 on 127.0.0.1, silo ports from BasePort, metrics 10000 above, gateways 20000 above.</summary>
public sealed record LocalLayout(int Nodes, int GpusPerNode, long GpuMemoryBytes, int BasePort)
{
    public const int GatewayOffset = 20000;

    public int SiloPort(int node) => BasePort + node;

    public int GatewayPort(int node) => BasePort + node + GatewayOffset;

    public const int MetricsOffset = 10000;

    /// <summary>The agent's Prometheus /metrics port.</summary>
    public int MetricsPort(int node) => BasePort + node + MetricsOffset;

    public static string NodeName(int node) => $"local-{node}";
}
