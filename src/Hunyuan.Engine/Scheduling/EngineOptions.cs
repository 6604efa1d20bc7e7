namespace Hunyuan.Engine.Scheduling;

/// <summary>The scheduler's limits. Defaults suit a small CPU deployment; Blocks comes from the KV budget.</summary>
public sealed record EngineOptions
{
    /// <summary>Sequences in the running batch at once.</summary>
    /// <value>16.</value>
    public int MaxNumSeqs { get; init; } = 16;

    /// <summary>Tokens in one step: decodes first, then prefill chunks, so a long prompt never stalls running decodes.</summary>
    /// <value>256.</value>
    public int MaxBatchedTokens { get; init; } = 256;

    /// <value>16 tokens.</value>
    public int BlockSize { get; init; } = 16;

    /// <summary>KV blocks in each rank's pool; the scheduler allocates them.</summary>
    public int Blocks { get; init; } = 256;

    /// <summary>Longest sequence, prompt plus output.</summary>
    /// <value>4096.</value>
    public int MaxModelLen { get; init; } = 4096;

    /// <summary>Requests waiting for admission beyond which new ones are refused (HTTP 429).</summary>
    /// <value>64.</value>
    public int MaxWaiting { get; init; } = 64;

    /// <summary>
    /// Keep full KV blocks after their request ends, known by the hash chain of their tokens, so a later request with the
    /// same prefix prefills only the rest (evicted least recently used when the pool needs them).
    /// </summary>
    /// <value>On.</value>
    public bool PrefixCaching { get; init; } = true;

    /// <summary>What the cached blocks were computed by (model, variant, layout): the seed of their hash chain.</summary>
    public string PrefixCacheIdentity { get; init; } = "";

    public void Validate()
    {
        if (MaxNumSeqs < 1 || MaxBatchedTokens < 1 || BlockSize < 1 || Blocks < 1 || MaxModelLen < 2 || MaxWaiting < 0)
        {
            throw new ArgumentException($"invalid engine options: {this}");
        }
    }
}
