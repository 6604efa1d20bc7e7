using System.Diagnostics;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// Aggregate decode tokens/s of a batch of streams sampled at temperature 1 with a grammar's masks, against a second
/// batch of as many streams without: the same model and the same sampler (<see cref="TokenSampler"/>), so the
/// difference is what structured output costs (each stream's mask, applying it, advancing). The two batches step in
/// turn, each step timed, so a busy spell of a shared machine hits both alike. A stream whose value completes starts
/// a new one in the same sequence, so the batch stays full and both do the same number of steps.
/// </summary>
public static class ConstrainedDecodeBenchmark
{
    /// <param name="vocabLimit">The tokenizer's ids: rows past it are the embedding's padding and never sampled.</param>
    public static async Task<ConstrainedDecodeResult> RunAsync(ICausalLm lm, ITokenGrammar grammar, int vocabLimit, int streams, int steps, int promptLength, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(lm);
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptLength, 1);
        var random = new Random(seed);
        var plain = new Streams(lm, null, vocabLimit, streams, promptLength, random, 1_000_000, seed);
        var constrained = new Streams(lm, grammar, vocabLimit, streams, promptLength, random, 2_000_000, seed);
        try
        {
            // The prefill step is not timed: it is the same for both and not decode.
            await plain.StepAsync();
            await constrained.StepAsync();
            plain.Elapsed = constrained.Elapsed = TimeSpan.Zero;
            constrained.GrammarTime = TimeSpan.Zero;
            for (var step = 0; step < steps; step++)
            {
                await plain.StepAsync();
                await constrained.StepAsync();
            }
        }
        finally
        {
            await plain.ReleaseAsync();
            await constrained.ReleaseAsync();
        }

        return new ConstrainedDecodeResult(streams, steps, streams * (double)steps / plain.Elapsed.TotalSeconds,
            streams * (double)steps / constrained.Elapsed.TotalSeconds, constrained.GrammarTime.TotalMilliseconds / steps, constrained.Values);
    }

    private sealed class Streams
    {
        private readonly ICausalLm _lm;
        private readonly ITokenGrammar? _grammar;
        private readonly ITokenConstraint?[] _constraints;
        private readonly SamplingParameters[] _parameters;
        private readonly SequenceStep[] _batch;
        private readonly int _promptLength;

        public Streams(ICausalLm lm, ITokenGrammar? grammar, int vocabLimit, int streams, int promptLength, Random random, long firstId, int seed)
        {
            _lm = lm;
            _grammar = grammar;
            _promptLength = promptLength;
            _constraints = [.. Enumerable.Range(0, streams).Select(_ => grammar?.Start())];
            _parameters = [.. Enumerable.Range(0, streams).Select(i => new SamplingParameters(Temperature: 1, Seed: seed + i, VocabLimit: vocabLimit))];
            _batch = [.. Enumerable.Range(0, streams).Select(i => new SequenceStep(firstId + i, 0, [.. Enumerable.Range(0, promptLength).Select(_ => (long)random.Next(vocabLimit))]))];
        }

        public TimeSpan Elapsed { get; set; }

        /// <summary>Spent getting masks, applying them and advancing: the grammar's share of <see cref="Elapsed"/>.</summary>
        public TimeSpan GrammarTime { get; set; }

        public int Values { get; private set; }

        public async Task StepAsync()
        {
            var started = Stopwatch.GetTimestamp();
            float[] all;
            int width;
            using (var logits = await _lm.StepAsync(_batch, LogitsMode.LastOfEachSegment))
            using (var host = logits.to(torch.ScalarType.Float32).cpu().contiguous())
            {
                all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(host.bytes).ToArray();
                width = (int)host.shape[1];
            }

            var grammarTicks = 0L;
            for (var i = 0; i < _batch.Length; i++)
            {
                var row = all.AsSpan(i * width, width).ToArray();
                var position = _batch[i].StartPosition + _batch[i].TokenIds.Length;
                var t0 = Stopwatch.GetTimestamp();
                if (_constraints[i] is { } c)
                {
                    Mask(row, c.AllowedTokens());
                }

                grammarTicks += Stopwatch.GetTimestamp() - t0;
                var token = TokenSampler.Sample(row, _parameters[i], [], _promptLength, position);
                t0 = Stopwatch.GetTimestamp();
                if (_constraints[i] is { } constraint)
                {
                    constraint.Advance(token);
                    if (constraint.IsComplete)
                    {
                        Values++;
                        _constraints[i] = _grammar!.Start();
                    }
                }

                grammarTicks += Stopwatch.GetTimestamp() - t0;
                _batch[i] = new SequenceStep(_batch[i].SequenceId, position, [token]);
            }

            Elapsed += Stopwatch.GetElapsedTime(started);
            GrammarTime += TimeSpan.FromSeconds(grammarTicks / (double)Stopwatch.Frequency);
        }

        public async Task ReleaseAsync()
        {
            foreach (var s in _batch)
            {
                await _lm.ReleaseAsync(s.SequenceId);
            }
        }
    }

    private static void Mask(float[] logits, ulong[]? mask)
    {
        if (mask is null)
        {
            return;
        }

        for (var id = 0; id < logits.Length; id++)
        {
            if (id >= mask.Length * 64 || (mask[id >> 6] & (1UL << (id & 63))) == 0)
            {
                logits[id] = float.NegativeInfinity;
            }
        }
    }
}
