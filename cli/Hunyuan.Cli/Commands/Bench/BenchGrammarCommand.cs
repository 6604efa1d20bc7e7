using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hunyuan.Engine.StructuredOutput;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tokenization;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench grammar`: decode tokens/s of N streams with a JSON schema's masks against the same streams unconstrained
/// (same model, same sampler, temperature 1), and the ratio; rounds interleaved, medians reported.
/// </summary>
internal sealed class BenchGrammarCommand : Command
{
    /// <summary>A schema with most of what the grammar supports: nested objects, bounded strings, enums, numbers, arrays, anyOf.</summary>
    internal const string DefaultSchema = """
        {"type":"object","properties":{
          "id":{"type":"integer"},
          "name":{"type":"string","maxLength":24},
          "role":{"enum":["admin","user","guest"]},
          "score":{"type":["number","null"]},
          "tags":{"type":"array","items":{"type":"string","maxLength":8},"maxItems":4},
          "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string","maxLength":10}},"required":["city"],"additionalProperties":false},
          "active":{"type":"boolean"}},
         "required":["id","name","role","active"],"additionalProperties":false}
        """;

    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<FileInfo?> SchemaOption = new("--schema") { Description = "A JSON Schema file (default: a built-in schema using most of the supported subset)" };
    private static readonly Option<int> StreamsOption = new("--streams") { Description = "Concurrent streams (one batch)", DefaultValueFactory = _ => 16 };
    private static readonly Option<int> StepsOption = new("--steps") { Description = "Decode steps measured per run", DefaultValueFactory = _ => 64 };
    private static readonly Option<int> PromptOption = new("--prompt") { Description = "Prompt tokens per stream", DefaultValueFactory = _ => 32 };
    private static readonly Option<int> RoundsOption = new("--rounds") { Description = "Rounds, each stepping both batches in turn; medians reported", DefaultValueFactory = _ => 3 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();
    private static readonly Option<bool> SchedulerOption = new("--scheduler") { Description = "Through the serving scheduler (masks applied by the rank's sampler, finished values resubmitted) instead of one host-sampled batch per mode" };

    private readonly CliConsole _console;

    public BenchGrammarCommand(CliConsole console)
        : base("grammar", "Decode tokens/s with a JSON schema's token masks against unconstrained, at N streams")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, SchemaOption, StreamsOption, StepsOption, PromptOption, RoundsOption, DTypeOption, JsonOption, DeviceOpt, SchedulerOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => ExecuteAsync(r));
    }

    private async Task<int> ExecuteAsync(ParseResult r)
    {
        var streams = r.GetValue(StreamsOption);
        var steps = r.GetValue(StepsOption);
        var promptLength = r.GetValue(PromptOption);
        var rounds = r.GetValue(RoundsOption);
        if (streams < 1 || steps < 1 || promptLength < 1 || rounds < 1)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--streams, --steps, --prompt and --rounds must be at least 1");
        }

        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--dtype must be bfloat16 or float32");
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), 1, TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        var schemaFile = r.GetValue(SchemaOption);
        if (schemaFile is { Exists: false })
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--schema: {schemaFile.FullName} does not exist");
        }

        SchemaNode root;
        try
        {
            using var schema = JsonDocument.Parse(schemaFile is null ? DefaultSchema : await File.ReadAllTextAsync(schemaFile.FullName));
            root = JsonSchemaCompiler.Compile(schema.RootElement, "--schema");
        }
        catch (Exception ex) when (ex is InvalidSchemaException or JsonException)
        {
            return _console.Fail(ExitCodes.InvalidArguments, ex.Message);
        }

        var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
        if (!HunyuanTokenizer.Exists(dir))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"{dir} has no {HunyuanTokenizer.FileName}: a grammar needs the tokenizer's vocabulary");
        }

        if (r.GetValue(SchedulerOption))
        {
            return await ThroughSchedulerAsync(dir, root, dtype, device, streams, steps, promptLength, rounds, r.GetValue(JsonOption));
        }

        var tokenizer = HunyuanTokenizer.Load(dir);
        var vocabulary = TokenVocabulary.From(tokenizer);
        using var lm = new LocalCausalLm(ModelLoader.Load(dir, new LoadOptions { DType = dtype, Device = device.ForSlot(0) }));
        var grammar = new TokenGrammar(root, vocabulary);

        var results = new List<ConstrainedDecodeResult>();
        await ConstrainedDecodeBenchmark.RunAsync(lm, grammar, tokenizer.VocabularySize, streams, 8, promptLength, seed: 99);   // warm-up
        for (var round = 1; round <= rounds; round++)
        {
            var result = await ConstrainedDecodeBenchmark.RunAsync(lm, grammar, tokenizer.VocabularySize, streams, steps, promptLength, seed: round);
            results.Add(result);
            _console.Human(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {streams} streams x {steps} steps: unconstrained {result.UnconstrainedTokensPerSecond:F1} tokens/s, json_schema {result.ConstrainedTokensPerSecond:F1} tokens/s ({result.Ratio:P0}); grammar {result.GrammarMillisecondsPerStep:F2} ms per step; {result.CompletedValues} values completed"));
        }

        var output = new BenchGrammarOutput(dir, streams, steps, rounds,
            Math.Round(Median.Of([.. results.Select(x => x.UnconstrainedTokensPerSecond)]), 2),
            Math.Round(Median.Of([.. results.Select(x => x.ConstrainedTokensPerSecond)]), 2),
            Math.Round(Median.Of([.. results.Select(x => x.Ratio)]), 3),
            Math.Round(Median.Of([.. results.Select(x => x.GrammarMillisecondsPerStep)]), 3),
            results.Sum(x => x.CompletedValues), grammar.CachedStates);
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"median of {rounds}: unconstrained {output.UnconstrainedTokensPerS:F1} tokens/s, json_schema {output.ConstrainedTokensPerS:F1} tokens/s; ratio {output.Ratio:P1} (target 70%); grammar {output.GrammarMsPerStep:F2} ms per step; {grammar.CachedStates} automaton states cached"));
        if (r.GetValue(JsonOption))
        {
            _console.Json(output, CliJsonContext.Default.BenchGrammarOutput);
        }

        return ExitCodes.Success;
    }

    private async Task<int> ThroughSchedulerAsync(string dir, SchemaNode root, TorchSharp.torch.ScalarType dtype, DeviceRequest device, int streams, int steps, int promptLength, int rounds, bool json)
    {
        var engine = new Engine.Scheduling.EngineOptions { MaxNumSeqs = streams, MaxBatchedTokens = Math.Max(256, streams * promptLength), MaxModelLen = promptLength + steps + 1 };
        await using var backend = await Serving.Backends.LocalServingBackend.StartAsync(dir, new LoadOptions { DType = dtype }, 1, 1, 256L << 20, engine, device);
        var vocab = backend.Tokenizer.VocabularySize;
        var grammar = new TokenGrammar(root, TokenVocabulary.From(backend.Tokenizer));
        var ends = backend.Tokenizer.StopIds.Select(i => (long)i).ToHashSet();
        var plain = new List<double>();
        var constrained = new List<double>();
        await GrammarStreamLoad.RunAsync(backend.Scheduler, grammar, streams, 8, promptLength, vocab, ends, 99);   // warm-up
        for (var round = 1; round <= rounds; round++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var n = await GrammarStreamLoad.RunAsync(backend.Scheduler, null, streams, steps, promptLength, vocab, ends, round);
            plain.Add(n / sw.Elapsed.TotalSeconds);
            sw.Restart();
            var c = await GrammarStreamLoad.RunAsync(backend.Scheduler, grammar, streams, steps, promptLength, vocab, ends, round);
            constrained.Add(c / sw.Elapsed.TotalSeconds);
            _console.Human(string.Create(CultureInfo.InvariantCulture,
                $"round {round} (scheduler): {streams} streams x {steps} tokens: unconstrained {plain[^1]:F1} tokens/s, json_schema {constrained[^1]:F1} tokens/s ({constrained[^1] / plain[^1]:P0})"));
        }

        var output = new BenchGrammarOutput(dir, streams, steps, rounds, Math.Round(Median.Of(plain), 2), Math.Round(Median.Of(constrained), 2),
            Math.Round(Median.Of([.. constrained.Select((c, i) => c / plain[i])]), 3), 0, 0, grammar.CachedStates);
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"median of {rounds} (scheduler): unconstrained {output.UnconstrainedTokensPerS:F1} tokens/s, json_schema {output.ConstrainedTokensPerS:F1} tokens/s; median of the rounds' ratios {output.Ratio:P1} (target 70%)"));
        if (json)
        {
            _console.Json(output, CliJsonContext.Default.BenchGrammarOutput);
        }

        return ExitCodes.Success;
    }
}

internal sealed record BenchGrammarOutput(string Model, int Streams, int Steps, int Rounds, double UnconstrainedTokensPerS, double ConstrainedTokensPerS, double Ratio, double GrammarMsPerStep, int CompletedValues, int CachedStates);
