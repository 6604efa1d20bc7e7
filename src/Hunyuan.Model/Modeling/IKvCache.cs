namespace Hunyuan.Model.Modeling;

/// <summary>
/// One sequence's KV cache on one rank, in the true CLA layout (one entry per self layer). Two stores: contiguous
/// per sequence (<see cref="KvCache"/>) and paged over a shared block pool (<see cref="PagedKvCache"/>).
/// </summary>
public interface IKvCache : IDisposable
{
    /// <summary>Tokens whose K/V are committed.</summary>
    int Length { get; }

    long ResidentBytes { get; }

    int EntryOf(int layer);

    /// <summary>Makes sure positions Length .. Length + tokens - 1 can be written.</summary>
    void Reserve(int tokens);

    /// <summary>Writes U and V ([kv_heads, T, D]) of the step's new tokens at positions Length.. of an entry.</summary>
    void Write(int entry, TorchSharp.torch.Tensor u, TorchSharp.torch.Tensor v);

    /// <summary>U and V ([kv_heads, Length + pending, D]) of an entry, in the compute dtype; the caller disposes them.</summary>
    (TorchSharp.torch.Tensor U, TorchSharp.torch.Tensor V) Read(int entry, int pending);

    void Commit(int tokens);

    /// <summary>Forgets positions from <paramref name="length"/> on (recompute after preemption, or reuse).</summary>
    void Truncate(int length);
}
