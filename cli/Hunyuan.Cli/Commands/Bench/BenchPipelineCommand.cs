using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench pipeline`: aggregate tokens/s of the scheduler over a TP x PP deployment on the real data plane (each
/// stage behind its own listener on loopback, as if on its own node), with up to PP micro-batches in flight against
/// one step at a time. Each round runs both, the first alternating from round to round (a steady drift favours neither),
/// and the speedup is the median of the rounds' own ratios: this machine's speed drifts more between rounds than within one.
/// </summary>
internal sealed class BenchPipelineCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<int> TpOption = new("--tp") { Description = "Tensor-parallel ranks per stage", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> PpOption = new("--pp") { Description = "Pipeline stages", DefaultValueFactory = _ => 2 };
    private static readonly Option<int> StreamsOption = new("--streams") { Description = "Concurrent streams", DefaultValueFactory = _ => 16 };
    private static readonly Option<int> TokensOption = new("--tokens") { Description = "Tokens each stream generates", DefaultValueFactory = _ => 32 };
    private static readonly Option<int> PromptOption = new("--prompt") { Description = "Prompt tokens per stream", DefaultValueFactory = _ => 16 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch intra-op threads (process-wide, shared by all ranks)" };
    private static readonly Option<int> RoundsOption = new("--rounds") { Description = "Rounds, each running both modes; medians are reported (6 or more for a 95% interval of the speedup)", DefaultValueFactory = _ => 7 };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };

    private readonly CliConsole _console;

    public BenchPipelineCommand(CliConsole console)
        : base("pipeline", "Aggregate tokens/s over the data plane with pipelined micro-batches against one step at a time")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, TpOption, PpOption, StreamsOption, TokensOption, PromptOption, DTypeOption, RoundsOption, ThreadsOption, JsonOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r)));
    }

    private async Task<int> ExecuteAsync(ParseResult r)
    {
        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--dtype must be bfloat16 or float32");
        }

        var (streams, tokens, promptLength, rounds) = (r.GetValue(StreamsOption), r.GetValue(TokensOption), r.GetValue(PromptOption), r.GetValue(RoundsOption));
        if (streams < 1 || tokens < 1 || promptLength < 1 || rounds < 1)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--streams, --tokens, --prompt and --rounds must be at least 1");
        }

        if (r.GetValue(ThreadsOption) is { } threads)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
        // Prefix caching off: every round repeats the same prompts, and these measure prefill and decode as before.
        var engine = new EngineOptions { MaxNumSeqs = streams, MaxBatchedTokens = Math.Max(256, streams * promptLength), MaxModelLen = promptLength + tokens + 1, BlockSize = 16, PrefixCaching = false };
        var blocks = streams * (((engine.MaxModelLen + engine.BlockSize - 1) / engine.BlockSize) + 1);
        engine = engine with { Blocks = blocks };
        await using var ranks = await LoopbackDeployment.LoadAsync(dir, r.GetValue(TpOption), r.GetValue(PpOption), new LoadOptions { DType = dtype }, new PagedKvOptions(blocks, engine.BlockSize));
        await using var driver = await DataPlaneDriver.ConnectAsync(ranks.Target(1));
        var vocab = ranks.Plan.Config.VocabSize;
        var modes = new (string Name, IStepExecutor Executor)[] { ("serialized", new SerializedStepExecutor(driver)), ("pipelined", driver) };
        var rates = modes.ToDictionary(m => m.Name, _ => new List<double>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, executor) in round % 2 == 1 ? modes : Enumerable.Reverse(modes))
            {
                // A scheduler per run: its own block allocator over the same pools, every block free again at the end.
                var scheduler = new Scheduler(executor, engine);
                await using (scheduler)
                {
                    await StreamLoad.RunAsync(scheduler, Math.Min(2, streams), 4, promptLength, vocab);    // warm-up
                    var sw = Stopwatch.StartNew();
                    var generated = await StreamLoad.RunAsync(scheduler, streams, tokens, promptLength, vocab);
                    var rate = generated / sw.Elapsed.TotalSeconds;
                    rates[name].Add(rate);
                    _console.Human(string.Create(CultureInfo.InvariantCulture,
                        $"round {round}: {name,-10} {streams} streams: {generated} tokens in {sw.Elapsed.TotalSeconds:F2} s = {rate:F1} tokens/s"));
                }
            }
        }

        var output = BenchPipelineOutput.Of(ranks.Plan.Tp, ranks.Plan.Pp, streams, rates["serialized"], rates["pipelined"]);
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"TP{output.Tp} x PP{output.Pp}, {streams} streams, median of {rounds}: serialized {output.SerializedTokensPerS:F1} tokens/s, pipelined {output.PipelinedTokensPerS:F1} tokens/s; speedup (median of the rounds' ratios) {output.Speedup:F2}x, {MedianInterval.Describe(output.SpeedupInterval, x => x.ToString("F2", CultureInfo.InvariantCulture) + "x", "rounds", "--rounds")}"));
        if (r.GetValue(JsonOption))
        {
            _console.Json(output, CliJsonContext.Default.BenchPipelineOutput);
        }

        return ExitCodes.Success;
    }
}
