namespace Hunyuan.Engine.Scheduling;

/// <summary>The free list of KV blocks; every rank's pool has the same blocks, so one allocator serves them all.</summary>
public sealed class BlockAllocator
{
    private readonly Stack<int> _free;

    public BlockAllocator(int blocks)
    {
        Total = blocks;
        _free = new Stack<int>(Enumerable.Range(0, blocks).Reverse());
    }

    public int Total { get; }

    public int Free => _free.Count;

    public int Used => Total - Free;

    public bool TryAllocate(int count, List<int> into)
    {
        if (count > _free.Count)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            into.Add(_free.Pop());
        }

        return true;
    }

    public void Release(List<int> blocks)
    {
        foreach (var b in blocks)
        {
            _free.Push(b);
        }

        blocks.Clear();
    }
}
