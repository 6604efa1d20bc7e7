using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;
using Hunyuan.Serving.Backends;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench streams`: aggregate generation tokens/s of the serving engine (scheduler, continuous batching, paged KV)
/// with 1, 4, 16... concurrent streams on one model in this process, and the ratio to one stream.
/// </summary>
internal sealed class BenchStreamsCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<string> StreamsOption = new("--streams") { Description = "Comma-separated concurrency levels", DefaultValueFactory = _ => "1,4,16" };
    private static readonly Option<int> TokensOption = new("--tokens") { Description = "Tokens each stream generates", DefaultValueFactory = _ => 64 };
    private static readonly Option<int> PromptOption = new("--prompt") { Description = "Prompt tokens per stream", DefaultValueFactory = _ => 32 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();
    private static readonly Option<int> RoundsOption = new("--rounds") { Description = "Rounds over all levels, interleaved; the medians are reported (shared machines are noisy)", DefaultValueFactory = _ => 3 };

    private readonly CliConsole _console;

    public BenchStreamsCommand(CliConsole console)
        : base("streams", "Aggregate generation tokens/s at several concurrent streams (continuous batching)")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, StreamsOption, TokensOption, PromptOption, DTypeOption, RoundsOption, DeviceOpt })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => ExecuteAsync(r));
    }

    private async Task<int> ExecuteAsync(ParseResult r)
    {
        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--dtype must be bfloat16 or float32");
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), 1, TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        var levels = r.GetRequiredValue(StreamsOption).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
        var tokens = r.GetValue(TokensOption);
        var promptLength = r.GetValue(PromptOption);
        // Prefix caching off: every round repeats the same prompts, and these measure prefill and decode as before.
        var engine = new EngineOptions { MaxNumSeqs = levels.Max(), MaxBatchedTokens = Math.Max(256, levels.Max() * promptLength), MaxModelLen = promptLength + tokens + 1, PrefixCaching = false };
        await using var backend = await LocalServingBackend.StartAsync(dir, new LoadOptions { DType = dtype }, 1, 1, 256L << 20, engine, device);
        var vocab = backend.Tokenizer.VocabularySize;
        var rounds = r.GetValue(RoundsOption);
        if (rounds < 1 || levels.Any(n => n < 1))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--rounds and every --streams level must be at least 1");
        }

        // Levels interleaved round by round, so a slow spell of a shared machine hits all of them alike.
        var ordered = levels.Prepend(1).Distinct().OrderBy(x => x).ToArray();
        var rates = ordered.ToDictionary(n => n, _ => new List<double>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var n in ordered)
            {
                await StreamLoad.RunAsync(backend.Scheduler, 1, 8, promptLength, vocab);    // warm-up
                var sw = Stopwatch.StartNew();
                var generated = await StreamLoad.RunAsync(backend.Scheduler, n, tokens, promptLength, vocab);
                var rate = generated / sw.Elapsed.TotalSeconds;
                rates[n].Add(rate);
                _console.Human(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {n,3} stream(s): {generated} tokens in {sw.Elapsed.TotalSeconds:F2} s = {rate:F1} tokens/s aggregate; preemptions so far {backend.Scheduler.Metrics.Preemptions}"));
            }
        }

        var baseline = Median.Of(rates[1]);
        foreach (var n in ordered)
        {
            var median = Median.Of(rates[n]);
            _console.Human(string.Create(CultureInfo.InvariantCulture,
                $"median of {rounds}: {n,3} stream(s): {median:F1} tokens/s aggregate ({median / baseline:F2}x one stream; rounds {string.Join(", ", rates[n].Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))})"));
        }

        return ExitCodes.Success;
    }
}
