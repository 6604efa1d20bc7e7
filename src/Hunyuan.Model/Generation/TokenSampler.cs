using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Generation;

/// <summary>
/// Chooses one token from a row of logits. Penalties first (repetition over prompt and output, presence and frequency
/// over output only, as vLLM applies them), then greedy, or temperature, top-k, top-p and min-p and a seeded draw.
/// </summary>
public static class TokenSampler
{
    /// <param name="logits">Float logits [vocab] for the position being predicted.</param>
    /// <param name="p">The request's sampling parameters.</param>
    /// <param name="history">Every token of the sequence so far, prompt first.</param>
    /// <param name="promptLength">How many of <paramref name="history"/> are prompt.</param>
    /// <param name="position">Position of the token being chosen; with the seed it fixes the random draw.</param>
    public static long Sample(torch.Tensor logits, SamplingParameters p, IReadOnlyList<long> history, int promptLength, int position)
    {
        if (IsPlainGreedy(p))
        {
            // Plain greedy: argmax where the logits are, no copy to managed memory.
            var limit = p.VocabLimit > 0 ? Math.Min(p.VocabLimit, logits.shape[0]) : logits.shape[0];
            using var head = logits.narrow(0, 0, limit);
            using var best = head.argmax();
            return best.item<long>();
        }

        float[] l;
        using (var wide = logits.to(torch.ScalarType.Float32))
        using (var f = TensorDevices.ToHost(wide).contiguous())
        {
            // One memory copy: TensorAccessor.ToArray() reads element by element, which costs milliseconds per row.
            l = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f.bytes).ToArray();
        }

        return Sample(l, p, history, promptLength, position);
    }

    /// <summary>
    /// One token per row of <paramref name="logits"/> [rows, vocab], wherever the logits live, with one transfer to
    /// the host: the chosen ids when every row is plain greedy (argmax on the device), else the logits once. A row's
    /// allowed-token mask is applied on the device first (disallowed ids get -inf), on both paths. Rows that ask for
    /// logprobs get them from the raw logits, computed on the device: only their k values and ids come to the host.
    /// </summary>
    public static SampledToken[] SampleRows(torch.Tensor logits, IReadOnlyList<RowSampling> rows)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return [];
        }

        var chosen = Choose(logits, rows);
        var logprobs = Logprobs(logits, rows, chosen);
        var result = new SampledToken[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            result[i] = new SampledToken(chosen[i], logprobs?[i]);
        }

        return result;
    }

    private static long[] Choose(torch.Tensor logits, IReadOnlyList<RowSampling> rows)
    {
        using var disallowed = TokenMask.Disallowed(rows.Select(r => r.AllowedTokens).ToArray(), logits.shape[1], logits.device);
        using var masked = disallowed is null ? null : logits.masked_fill(disallowed, float.NegativeInfinity);
        var chosenFrom = masked ?? logits;
        var limit = rows[0].Parameters.VocabLimit;
        if (rows.All(r => IsPlainGreedy(r.Parameters) && r.Parameters.VocabLimit == limit))
        {
            var width = limit > 0 ? Math.Min(limit, chosenFrom.shape[1]) : chosenFrom.shape[1];
            using var head = chosenFrom.narrow(1, 0, width);
            using var best = head.argmax(1);
            return TensorDevices.Longs(best);
        }

        using var host = TensorDevices.ToHost(chosenFrom);
        var next = new long[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            using var row = host[i];
            next[i] = Sample(row, r.Parameters, r.History, r.PromptLength, r.Position);
        }

        return next;
    }

    /// <summary>
    /// Log-softmax over the whole row (the model's distribution, as <c>hyc model run --logits-out</c> gives it), the
    /// chosen id's value gathered and the top k taken on the device, k the largest any row asked for; top candidates
    /// come only from ids below a row's vocabulary limit (past it are padding rows, not tokens). Null when no row asked.
    /// </summary>
    private static TokenLogprobs?[]? Logprobs(torch.Tensor logits, IReadOnlyList<RowSampling> rows, long[] chosen)
    {
        var wanted = Enumerable.Range(0, rows.Count).Where(i => rows[i].Parameters.Logprobs >= 0).ToArray();
        if (wanted.Length == 0)
        {
            return null;
        }

        using var scope = torch.NewDisposeScope();
        var device = logits.device;
        var vocab = logits.shape[1];
        var limits = wanted.Select(i => rows[i].Parameters.VocabLimit is > 0 and var l && l < vocab ? l : vocab).ToArray();
        var width = limits.Max();
        var k = (int)Math.Min(Math.Min(wanted.Max(i => rows[i].Parameters.Logprobs), TokenLogprobs.MaxTop), width);

        var selected = wanted.Length == rows.Count ? logits : logits.index_select(0, torch.tensor(wanted.Select(i => (long)i).ToArray(), device: device));
        var logp = selected.to(torch.ScalarType.Float32).log_softmax(1);
        var picked = logp.gather(1, torch.tensor(wanted.Select(i => chosen[i]).ToArray(), device: device).unsqueeze(1));
        // One transfer: [chosen value, k values, k ids] per row as float64, exact for float32 values and any id.
        var packed = picked.to(torch.ScalarType.Float64);
        if (k > 0)
        {
            var head = logp.narrow(1, 0, width);
            if (limits.Any(l => l < width))
            {
                var columns = torch.arange(width, dtype: torch.ScalarType.Int64, device: device).unsqueeze(0);
                var rowLimits = torch.tensor(limits, device: device).unsqueeze(1);
                head = head.masked_fill(columns >= rowLimits, float.NegativeInfinity);
            }

            var (top, topIds) = head.topk(k, 1);
            packed = torch.cat([packed, top.to(torch.ScalarType.Float64), topIds.to(torch.ScalarType.Float64)], 1);
        }

        var host = TensorDevices.ToHost(packed);
        var all = host.data<double>().ToArray();
        var stride = 1 + (2 * k);

        var result = new TokenLogprobs?[rows.Count];
        for (var w = 0; w < wanted.Length; w++)
        {
            var n = (int)Math.Min(Math.Min(rows[wanted[w]].Parameters.Logprobs, k), limits[w]);
            var row = all.AsSpan(w * stride, stride);
            var topIds = new long[n];
            var topValues = new float[n];
            for (var j = 0; j < n; j++)
            {
                topValues[j] = (float)row[1 + j];
                topIds[j] = (long)row[1 + k + j];
            }

            result[wanted[w]] = new TokenLogprobs((float)row[0], topIds, topValues);
        }

        return result;
    }

    public static long Sample(float[] l, SamplingParameters p, IReadOnlyList<long> history, int promptLength, int position)
    {
        if (p.VocabLimit > 0 && p.VocabLimit < l.Length)
        {
            Array.Resize(ref l, p.VocabLimit);
        }

        ApplyPenalties(l, p, history, promptLength);
        if (p.Temperature <= 0)
        {
            return ArgMax(l);
        }

        var order = Enumerable.Range(0, l.Length).ToArray();
        Array.Sort(order, (a, b) => l[b].CompareTo(l[a]));
        var keep = p.TopK > 0 ? Math.Min(p.TopK, order.Length) : order.Length;

        // Ids a grammar masked out (-inf, sorted last) have probability 0 and must not be the fallback of a draw
        // that rounding carried past the last positive probability.
        var finite = order.Length;
        while (finite > 1 && float.IsNegativeInfinity(l[order[finite - 1]]))
        {
            finite--;
        }

        keep = Math.Min(keep, finite);
        var max = l[order[0]] / p.Temperature;
        var probs = new double[keep];
        double sum = 0;
        for (var i = 0; i < keep; i++)
        {
            probs[i] = Math.Exp((l[order[i]] / p.Temperature) - max);
            sum += probs[i];
        }

        for (var i = 0; i < keep; i++)
        {
            probs[i] /= sum;
        }

        if (p.MinP > 0)
        {
            var floor = p.MinP * probs[0];
            keep = Math.Max(1, probs.Take(keep).Count(x => x >= floor));
        }

        if (p.TopP < 1)
        {
            double cumulative = 0;
            var n = 0;
            while (n < keep)
            {
                cumulative += probs[n++];
                if (cumulative >= p.TopP)
                {
                    break;
                }
            }

            keep = Math.Max(1, n);
        }

        var total = probs.Take(keep).Sum();
        var u = Draw(p.Seed, position) * total;
        for (var i = 0; i < keep; i++)
        {
            u -= probs[i];
            if (u <= 0)
            {
                return order[i];
            }
        }

        return order[keep - 1];
    }

    private static bool IsPlainGreedy(SamplingParameters p) =>
        p.Temperature <= 0 && p.RepetitionPenalty == 1 && p.PresencePenalty == 0 && p.FrequencyPenalty == 0;

    private static void ApplyPenalties(float[] l, SamplingParameters p, IReadOnlyList<long> history, int promptLength)
    {
        if (p.RepetitionPenalty != 1)
        {
            foreach (var t in history.Distinct())
            {
                if (t >= 0 && t < l.Length)
                {
                    l[t] = l[t] > 0 ? (float)(l[t] / p.RepetitionPenalty) : (float)(l[t] * p.RepetitionPenalty);
                }
            }
        }

        if (p.PresencePenalty != 0 || p.FrequencyPenalty != 0)
        {
            foreach (var g in history.Skip(promptLength).GroupBy(t => t))
            {
                if (g.Key >= 0 && g.Key < l.Length)
                {
                    l[g.Key] -= (float)((p.FrequencyPenalty * g.Count()) + p.PresencePenalty);
                }
            }
        }
    }

    private static long ArgMax(float[] l)
    {
        var best = 0;
        for (var i = 1; i < l.Length; i++)
        {
            if (l[i] > l[best])
            {
                best = i;
            }
        }

        return best;
    }

    // SplitMix64 of (seed, position): a reproducible uniform in [0, 1) that depends on nothing else, so a request's
    // output does not change with what it is batched with.
    private static double Draw(long seed, int position)
    {
        var z = unchecked((ulong)seed + (0x9E3779B97F4A7C15UL * (ulong)(position + 1)));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
