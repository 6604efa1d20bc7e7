namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// The full KV blocks known by their <see cref="BlockHash"/> identity. A block here is referenced by every sequence whose
/// table holds it; when the last one lets go it stays, idle, in least-recently-used order (when <see cref="Keep"/>), and
/// is evicted only when the pool needs the room. Only blocks whose K/V a finished step wrote are ever added.
/// </summary>
public sealed class PrefixCache(int blocks, bool keep)
{
    private readonly Dictionary<UInt128, int> _byHash = [];
    private readonly Entry?[] _entries = new Entry?[blocks];
    private readonly LinkedList<int> _idle = new();

    /// <summary>Whether an unreferenced block is kept for later requests (prefix caching on) or dropped at once.</summary>
    public bool Keep { get; } = keep;

    /// <summary>Cached blocks no sequence references: free to evict.</summary>
    public int Idle => _idle.Count;

    /// <summary>Cached blocks, referenced or idle.</summary>
    public int Count => _byHash.Count;

    public bool Holds(int block) => _entries[block] is not null;

    public int References(int block) => _entries[block]?.References ?? 0;

    /// <summary>
    /// The cached blocks that hold <paramref name="tokens"/>' first full blocks, as far as they are cached and at most
    /// <paramref name="maxBlocks"/>: each referenced, and added to <paramref name="into"/>. Returns how many.
    /// </summary>
    /// <param name="chain">The tokens' block hashes, at least <paramref name="maxBlocks"/> of them when the tokens have that many full blocks.</param>
    public int Match(UInt128 seed, IReadOnlyList<UInt128> chain, List<long> tokens, int blockSize, int maxBlocks, List<int> into)
    {
        var matched = 0;
        var parent = seed;
        for (; matched < Math.Min(maxBlocks, chain.Count); matched++)
        {
            if (!_byHash.TryGetValue(chain[matched], out var block))
            {
                break;
            }

            var entry = _entries[block]!;
            if (entry.Parent != parent || !tokens.GetRange(matched * blockSize, blockSize).SequenceEqual(entry.Tokens))
            {
                break;   // a hash collision: the chain's blocks hold other tokens
            }

            Reference(block, entry);
            into.Add(block);
            parent = chain[matched];
        }

        return matched;
    }

    /// <summary>
    /// Adds a block a sequence holds (one reference, the sequence's) whose K/V now hold <paramref name="tokens"/>; false
    /// when an equal block is cached already (two sequences computed the same prefix at once): this one stays private.
    /// </summary>
    public bool TryAdd(int block, UInt128 parent, UInt128 hash, long[] tokens)
    {
        if (_entries[block] is not null)
        {
            throw new InvalidOperationException($"KV block {block} is cached already");
        }

        if (!_byHash.TryAdd(hash, block))
        {
            return false;
        }

        _entries[block] = new Entry(hash, parent, tokens) { References = 1 };
        return true;
    }

    /// <summary>Drops one reference; returns true when the block leaves the cache (and goes back to the free list).</summary>
    public bool Unreference(int block)
    {
        var entry = _entries[block] ?? throw new InvalidOperationException($"KV block {block} is not cached");
        if (entry.References <= 0)
        {
            throw new InvalidOperationException($"KV block {block} released more often than it was referenced");
        }

        entry.References--;
        if (entry.References > 0)
        {
            return false;
        }

        if (Keep && !entry.Detached)
        {
            entry.IdleNode = _idle.AddLast(block);
            return false;
        }

        Remove(block, entry);
        return true;
    }

    /// <summary>The least recently used idle block, removed from the cache for reuse; null when none is idle.</summary>
    public int? EvictOldest()
    {
        if (_idle.First is not { } oldest)
        {
            return null;
        }

        var block = oldest.Value;
        Remove(block, _entries[block]!);
        return block;
    }

    /// <summary>
    /// Forgets every block (their K/V are gone: the ranks were replaced). Idle ones are returned for the free list;
    /// referenced ones stay with their sequences until released, then go to the free list too.
    /// </summary>
    public List<int> Clear()
    {
        var idle = _idle.ToList();
        foreach (var block in idle)
        {
            Remove(block, _entries[block]!);
        }

        foreach (var (hash, block) in _byHash)
        {
            _entries[block]!.Detached = true;
        }

        _byHash.Clear();
        return idle;
    }

    private void Reference(int block, Entry entry)
    {
        if (entry.IdleNode is { } node)
        {
            _idle.Remove(node);
            entry.IdleNode = null;
        }

        entry.References++;
    }

    private void Remove(int block, Entry entry)
    {
        if (entry.IdleNode is { } node)
        {
            _idle.Remove(node);
        }

        if (!entry.Detached)
        {
            _byHash.Remove(entry.Hash);
        }

        _entries[block] = null;
    }

    private sealed class Entry(UInt128 hash, UInt128 parent, long[] tokens)
    {
        public UInt128 Hash { get; } = hash;

        public UInt128 Parent { get; } = parent;

        public long[] Tokens { get; } = tokens;

        public int References { get; set; }

        public LinkedListNode<int>? IdleNode { get; set; }

        /// <summary>Forgotten by <see cref="Clear"/> while still referenced: never matched again, freed when released.</summary>
        public bool Detached { get; set; }
    }
}
