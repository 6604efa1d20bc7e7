using System.Collections.Concurrent;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Tensors addressed to one rank, assembled from chunks. Peers deliver through the rank grain (on the Orleans
/// scheduler); the rank's worker thread takes them by tag, waiting at most the timeout.
/// </summary>
public sealed class RankMailbox
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private volatile string? _abort;

    public void Deliver(TensorChunk chunk)
    {
        var slot = _slots.GetOrAdd(chunk.Tag, _ => new Slot());
        slot.Add(chunk);
    }

    /// <summary>Blocks the calling (worker) thread until the tensor tagged <paramref name="tag"/> is complete.</summary>
    public (string DType, long[] Shape, byte[] Data) Take(string tag, TimeSpan timeout)
    {
        var slot = _slots.GetOrAdd(tag, _ => new Slot());
        if (_abort is { } reason)
        {
            throw new InvalidOperationException($"mailbox aborted: {reason}");
        }

        if (!slot.Done.Wait(timeout))
        {
            _slots.TryRemove(tag, out _);
            throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for '{tag}' from a peer rank; it never arrived");
        }

        _slots.TryRemove(tag, out _);
        return slot.Result();
    }

    /// <summary>Fails every waiting take (a step was abandoned) and drops undelivered chunks.</summary>
    public void Abort(string reason)
    {
        _abort = reason;
        foreach (var s in _slots.Values)
        {
            s.Done.Set();
        }

        _slots.Clear();
        _abort = null;
    }

    public int Pending => _slots.Count;

    private sealed class Slot
    {
        private readonly object _gate = new();
        private TensorChunk[]? _chunks;
        private int _received;

        public ManualResetEventSlim Done { get; } = new();

        public void Add(TensorChunk chunk)
        {
            lock (_gate)
            {
                _chunks ??= new TensorChunk[chunk.Count];
                if (_chunks[chunk.Index] is null)
                {
                    _chunks[chunk.Index] = chunk;
                    _received++;
                }

                if (_received == _chunks.Length)
                {
                    Done.Set();
                }
            }
        }

        public (string DType, long[] Shape, byte[] Data) Result()
        {
            lock (_gate)
            {
                if (_chunks is null || _received != _chunks.Length)
                {
                    throw new InvalidOperationException("the step was abandoned before this tensor arrived");
                }

                var data = new byte[_chunks.Sum(c => c.Data.Length)];
                var at = 0;
                foreach (var c in _chunks)
                {
                    c.Data.CopyTo(data, at);
                    at += c.Data.Length;
                }

                return (_chunks[0].DType, _chunks[0].Shape, data);
            }
        }
    }
}
