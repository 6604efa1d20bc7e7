using System.Threading.Channels;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>The load the serving benchmarks put on a scheduler: concurrent greedy streams of random prompts, and medians.</summary>
internal static class StreamLoad
{
    /// <summary>Runs <paramref name="streams"/> streams to completion; returns the tokens generated. A stream that fails fails the run.</summary>
    public static async Task<int> RunAsync(Scheduler scheduler, int streams, int tokens, int promptLength, int vocab)
    {
        var random = new Random(streams);
        var none = new HashSet<long>();
        var readers = Enumerable.Range(0, streams).Select(_ =>
        {
            var prompt = Enumerable.Range(0, promptLength).Select(_ => (long)random.Next(vocab)).ToArray();
            return scheduler.Submit(new GenerationRequest(prompt, tokens, SamplingParameters.Greedy with { VocabLimit = vocab }, none, none, IgnoreEos: true), CancellationToken.None);
        }).ToArray();
        var counts = await Task.WhenAll(readers.Select(CountTokensAsync));
        return counts.Sum();
    }

    /// <summary>The tokens a stream delivers until it finishes; a stream that fails fails the run.</summary>
    public static async Task<int> CountTokensAsync(ChannelReader<GenerationEvent> reader)
    {
        var count = 0;
        await foreach (var e in reader.ReadAllAsync())
        {
            if (e.Finish is null)
            {
                count++;
            }
            else if (e.Finish == FinishReason.Error)
            {
                throw new InvalidOperationException($"a stream failed: {e.Error}");
            }
        }

        return count;
    }
}
