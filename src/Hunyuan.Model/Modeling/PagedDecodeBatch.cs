using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// A decode step of several sequences over one block pool, done as one batch per layer instead of one sequence at a
/// time: every sequence's new K/V row written with one index_copy_, and every sequence's keys and values gathered
/// with one index_select into [B, kv_heads, S_max, D], positions past a sequence's length masked. The per-sequence
/// path costs about twenty small tensor operations per sequence and layer; this costs about as many per layer.
/// </summary>
internal sealed class PagedDecodeBatch : IDisposable
{
    private readonly KvBlockPool _pool;
    private readonly torch.Tensor _readSlots;
    private readonly torch.Tensor _writeSlots;

    private PagedDecodeBatch(KvBlockPool pool, int count, int longest, torch.Tensor readSlots, torch.Tensor writeSlots, torch.Tensor keep)
    {
        _pool = pool;
        Count = count;
        Longest = longest;
        _readSlots = readSlots;
        _writeSlots = writeSlots;
        Keep = keep;
    }

    public int Count { get; }

    /// <summary>S_max: the longest sequence, its new token included.</summary>
    public int Longest { get; }

    /// <summary>[B, 1, 1, S_max], true where a position is the sequence's (attention's boolean mask convention).</summary>
    public torch.Tensor Keep { get; }

    /// <summary>A batch when every segment is one decode token on a paged cache of the same pool, and there are several; else null.</summary>
    public static PagedDecodeBatch? TryCreate(IReadOnlyList<SequenceSegment> segments)
    {
        if (segments.Count < 2 || segments.Any(s => s.TokenCount != 1 || s.Cache is not PagedKvCache))
        {
            return null;
        }

        var caches = segments.Select(s => (PagedKvCache)s.Cache).ToArray();
        var pool = caches[0].Pool;
        if (caches.Any(c => c.Pool != pool))
        {
            return null;
        }

        var longest = caches.Max(c => c.Length) + 1;
        var read = new long[caches.Length * longest];
        var write = new long[caches.Length];
        var keep = new bool[caches.Length * longest];
        for (var b = 0; b < caches.Length; b++)
        {
            var length = caches[b].Length + 1;
            write[b] = caches[b].SlotOf(caches[b].Length);
            for (var p = 0; p < longest; p++)
            {
                // Padded positions read the sequence's first slot (a valid index) and are masked.
                read[(b * longest) + p] = caches[b].SlotOf(p < length ? p : 0);
                keep[(b * longest) + p] = p < length;
            }
        }

        var device = pool.Device.Torch;
        return new PagedDecodeBatch(pool, caches.Length, longest,
            StepTensors.Int64(read, device),
            StepTensors.Int64(write, device),
            StepTensors.Bool(keep, [caches.Length, 1, 1, longest], device));
    }

    /// <summary>Writes each sequence's new row: U and V as [B, kv_heads, D].</summary>
    public void Write(int entry, torch.Tensor u, torch.Tensor v)
    {
        var (keys, values) = _pool.Entry(entry);
        using var uRows = _pool.Store(u, _pool.Storage.KeyScales?[entry]);
        using var vRows = _pool.Store(v, _pool.Storage.ValueScales?[entry]);
        keys.index_copy_(0, _writeSlots, uRows);
        values.index_copy_(0, _writeSlots, vRows);
    }

    /// <summary>U and V of every sequence as [B, kv_heads, S_max, D] in the compute dtype; the caller disposes them.</summary>
    public (torch.Tensor U, torch.Tensor V) Read(int entry)
    {
        var (keys, values) = _pool.Entry(entry);
        using var k = keys.index_select(0, _readSlots);
        using var v = values.index_select(0, _readSlots);
        using var kb = k.view(Count, Longest, k.shape[1], k.shape[2]).permute(0, 2, 1, 3);
        using var vb = v.view(Count, Longest, v.shape[1], v.shape[2]).permute(0, 2, 1, 3);
        return (_pool.Load(kb, _pool.Storage.KeyScales?[entry]), _pool.Load(vb, _pool.Storage.ValueScales?[entry]));
    }

    public void Dispose()
    {
        _readSlots.Dispose();
        _writeSlots.Dispose();
        Keep.Dispose();
    }
}
