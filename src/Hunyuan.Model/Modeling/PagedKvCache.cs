using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// A sequence's KV cache as a block table over a <see cref="KvBlockPool"/>. The table is the scheduler's: it grows
/// before a step needs the room and is handed over with the step. Reads gather the sequence's slots.
/// </summary>
public sealed class PagedKvCache(KvBlockPool pool) : IKvCache
{
    private int[] _table = [];

    public int Length { get; private set; }

    internal KvBlockPool Pool => pool;

    public IReadOnlyList<int> BlockTable => _table;

    /// <summary>Bytes of the blocks this sequence holds in the pool.</summary>
    public long ResidentBytes => pool.Blocks == 0 ? 0 : pool.ResidentBytes / pool.Blocks * _table.Length;

    public int EntryOf(int layer) => (layer - pool.FirstLayer) / pool.Config.EffectiveClaFactor;

    public void SetBlockTable(IReadOnlyList<int> table)
    {
        foreach (var b in table)
        {
            if (b < 0 || b >= pool.Blocks)
            {
                throw new ArgumentOutOfRangeException(nameof(table), b, $"block {b} is outside the pool of {pool.Blocks}");
            }
        }

        _table = table.ToArray();
    }

    public void Reserve(int tokens)
    {
        var need = Length + tokens;
        if (need > _table.Length * pool.BlockSize)
        {
            throw new InvalidOperationException($"the block table holds {_table.Length * pool.BlockSize} positions; the step needs {need}");
        }
    }

    public void Write(int entry, torch.Tensor u, torch.Tensor v)
    {
        var t = (int)u.shape[1];
        using var slots = Slots(Length, t);
        var (keys, values) = pool.Entry(entry);
        using var uRows = pool.Store(u.permute(1, 0, 2), pool.Storage.KeyScales?[entry]);
        using var vRows = pool.Store(v.permute(1, 0, 2), pool.Storage.ValueScales?[entry]);
        keys.index_copy_(0, slots, uRows);
        values.index_copy_(0, slots, vRows);
    }

    public (torch.Tensor U, torch.Tensor V) Read(int entry, int pending)
    {
        var n = Length + pending;
        using var slots = Slots(0, n);
        var (keys, values) = pool.Entry(entry);
        using var k = keys.index_select(0, slots);
        using var v = values.index_select(0, slots);
        using var kHeads = k.permute(1, 0, 2);
        using var vHeads = v.permute(1, 0, 2);
        return (pool.Load(kHeads, pool.Storage.KeyScales?[entry]), pool.Load(vHeads, pool.Storage.ValueScales?[entry]));
    }

    public void Commit(int tokens) => Length += tokens;

    /// <summary>
    /// Takes the table's first <paramref name="length"/> positions as written: the scheduler's word that those blocks
    /// hold this sequence's K/V already (computed by another sequence with the same prefix, kept in the prefix cache).
    /// </summary>
    public void ResumeAt(int length)
    {
        if (length < 0 || length > _table.Length * pool.BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"the block table holds {_table.Length * pool.BlockSize} positions");
        }

        Length = length;
    }

    public void Truncate(int length) => Length = Math.Clamp(length, 0, Length);

    public void Dispose()
    {
        // The blocks belong to the pool and go back to the scheduler's free list; nothing to free here.
        _table = [];
        Length = 0;
    }

    private torch.Tensor Slots(int start, int count)
    {
        var slots = new long[count];
        for (var i = 0; i < count; i++)
        {
            slots[i] = SlotOf(start + i);
        }

        return torch.tensor(slots, dtype: torch.ScalarType.Int64, device: pool.Device.Torch);
    }

    /// <summary>The pool slot of position <paramref name="position"/> of this sequence.</summary>
    internal long SlotOf(int position) => ((long)_table[position / pool.BlockSize] * pool.BlockSize) + (position % pool.BlockSize);
}
