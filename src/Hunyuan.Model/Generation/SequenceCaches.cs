using Hunyuan.Model.Modeling;

namespace Hunyuan.Model.Generation;

/// <summary>Maps a step's sequences to their KV caches, creating, truncating, resuming or refusing as <see cref="SequenceStep.StartPosition"/> says.</summary>
public static class SequenceCaches
{
    public static List<SequenceSegment> Segments(Dictionary<long, IKvCache> caches, IReadOnlyList<SequenceStep> batch, Func<KvCache> create, string owner, KvBlockPool? pool = null)
    {
        var segments = new List<SequenceSegment>(batch.Count);
        foreach (var s in batch)
        {
            if (s.TokenIds.Length == 0)
            {
                throw new ArgumentException($"sequence {s.SequenceId} has no tokens in this step");
            }

            if (!caches.TryGetValue(s.SequenceId, out var cache))
            {
                cache = s.BlockTable is null
                    ? create()
                    : new PagedKvCache(pool ?? throw new InvalidOperationException($"{owner} has no paged KV pool for sequence {s.SequenceId}'s block table"));
                caches[s.SequenceId] = cache;
            }

            if (s.BlockTable is not null)
            {
                ((PagedKvCache)cache).SetBlockTable(s.BlockTable);
            }

            if (cache.Length > s.StartPosition)
            {
                cache.Truncate(s.StartPosition);
            }
            else if (cache.Length < s.StartPosition && cache is PagedKvCache paged)
            {
                // A paged sequence may start past what it computed itself: its first blocks came from the prefix cache.
                paged.ResumeAt(s.StartPosition);
            }
            else if (cache.Length < s.StartPosition)
            {
                throw new InvalidOperationException($"{owner} holds {cache.Length} tokens of sequence {s.SequenceId}; the step starts at {s.StartPosition}");
            }

            segments.Add(new SequenceSegment(cache, s.TokenIds.Length));
        }

        return segments;
    }
}
