namespace Hunyuan.Engine.Planning;

/// <summary>What the memory planner assumes beyond the layout. Defaults follow the seed's vLLM settings.</summary>
public sealed record MemoryPlanOptions
{
    /// <summary>Fraction of each GPU's memory the deployment may use (vLLM's --gpu-memory-utilization).</summary>
    /// <value>0.9.</value>
    public double GpuMemoryUtilization { get; init; } = 0.9;

    /// <summary>The longest sequence that must fit in the KV cache; null means the config's max_position_embeddings.</summary>
    public int? MaxModelLen { get; init; }

    /// <summary>Sequences decoded together (the seed runs --max-num-seqs 8).</summary>
    /// <value>8.</value>
    public int MaxNumSeqs { get; init; } = 8;

    /// <summary>Tokens in one step's batch, the prefill chunk included.</summary>
    /// <value>2048.</value>
    public int MaxBatchedTokens { get; init; } = 2048;

    /// <summary>Runtime overhead per GPU outside weights, KV and activations (CUDA context, allocator slack).</summary>
    /// <value>1 GiB.</value>
    public long RuntimeOverheadBytes { get; init; } = 1L << 30;

    public void Validate()
    {
        if (GpuMemoryUtilization is <= 0 or > 1)
        {
            throw new ArgumentException($"--gpu-memory-utilization must be in (0, 1], got {GpuMemoryUtilization}");
        }

        if (MaxModelLen is < 1)
        {
            throw new ArgumentException($"--max-model-len must be at least 1, got {MaxModelLen}");
        }

        if (MaxNumSeqs < 1 || MaxBatchedTokens < 1)
        {
            throw new ArgumentException("--max-num-seqs and --max-batched-tokens must be at least 1");
        }
    }
}
