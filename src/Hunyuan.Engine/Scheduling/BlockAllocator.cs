namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// The KV blocks of the pool: the free list and the <see cref="PrefixCache"/>. Every rank's pool has the same blocks,
/// so one allocator serves them all. Idle cached blocks count as available: taking one evicts it, oldest first.
/// </summary>
public sealed class BlockAllocator
{
    private readonly Stack<int> _free;

    /// <param name="blocks">Blocks in the pool.</param>
    /// <param name="keepCached">Whether blocks stay cached after their last sequence lets go (prefix caching on).</param>
    public BlockAllocator(int blocks, bool keepCached = false)
    {
        Total = blocks;
        _free = new Stack<int>(Enumerable.Range(0, blocks).Reverse());
        Cache = new PrefixCache(blocks, keepCached);
    }

    public int Total { get; }

    /// <summary>Blocks on the free list (holding nothing anyone may want).</summary>
    public int Free => _free.Count;

    /// <summary>Blocks a new sequence can have: free, or cached and idle.</summary>
    public int Available => _free.Count + Cache.Idle;

    /// <summary>Blocks referenced by sequences.</summary>
    public int Used => Total - Available;

    public PrefixCache Cache { get; }

    public bool TryAllocate(int count, List<int> into)
    {
        if (count > Available)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            into.Add(_free.Count > 0 ? _free.Pop() : Cache.EvictOldest()!.Value);
        }

        return true;
    }

    /// <summary>
    /// A sequence lets go of its blocks: cached ones lose a reference, the others go back to the free list. Last block
    /// first, so a chain's tail is idle longer than its head and is evicted first: the shorter prefix stays matchable.
    /// </summary>
    public void Release(List<int> blocks)
    {
        for (var i = blocks.Count - 1; i >= 0; i--)
        {
            var b = blocks[i];
            if (!Cache.Holds(b) || Cache.Unreference(b))
            {
                _free.Push(b);
            }
        }

        blocks.Clear();
    }

    /// <summary>Forgets the cache (the ranks' K/V were lost): its idle blocks go back to the free list.</summary>
    public void ForgetCached()
    {
        foreach (var b in Cache.Clear())
        {
            _free.Push(b);
        }
    }
}
