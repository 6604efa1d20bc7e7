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
/// `hyc bench prefix`: time to first token of a request whose long prefix is in the prefix cache, against the same
/// request cold. Each round takes a fresh random prefix: the first request with it is cold (nothing cached), the second
/// (the same prefix, another suffix) finds it cached. Medians over the rounds; cached_tokens as the engine reports them.
/// </summary>
internal sealed class BenchPrefixCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<int> PrefixOption = new("--prefix") { Description = "Shared prefix tokens", DefaultValueFactory = _ => 1000 };
    private static readonly Option<int> SuffixOption = new("--suffix") { Description = "Tokens after the prefix, different in each request", DefaultValueFactory = _ => 16 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int> RoundsOption = new("--rounds") { Description = "Rounds, each with a fresh prefix; medians are reported", DefaultValueFactory = _ => 5 };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();

    private readonly CliConsole _console;

    public BenchPrefixCommand(CliConsole console)
        : base("prefix", "Time to first token with a cached prefix against cold (automatic prefix caching)")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, PrefixOption, SuffixOption, DTypeOption, RoundsOption, JsonOption, DeviceOpt })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => ExecuteAsync(r, ct));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--dtype must be bfloat16 or float32");
        }

        var (prefix, suffix, rounds) = (r.GetValue(PrefixOption), r.GetValue(SuffixOption), r.GetValue(RoundsOption));
        if (prefix < 1 || suffix < 1 || rounds < 1)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--prefix, --suffix and --rounds must be at least 1");
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), 1, TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);

        // The whole prompt in one step, so the cold prefill is as fast as this engine makes it.
        var engine = new EngineOptions { MaxNumSeqs = 2, MaxBatchedTokens = prefix + suffix, MaxModelLen = prefix + suffix + 2 };
        await using var backend = await LocalServingBackend.StartAsync(dir, new LoadOptions { DType = dtype }, 1, 1, 256L << 20, engine, device);
        var vocab = backend.Tokenizer.VocabularySize;
        var random = new Random(1);
        long[] Tokens(int n) => Enumerable.Range(0, n).Select(_ => (long)random.Next(vocab)).ToArray();

        await FirstTokenAsync(backend.Scheduler, Tokens(prefix + suffix), vocab, cancellationToken);    // warm-up
        var cold = new List<double>();
        var cached = new List<double>();
        var cachedTokens = 0;
        for (var round = 1; round <= rounds; round++)
        {
            var shared = Tokens(prefix);
            var (coldMs, coldCached) = await FirstTokenAsync(backend.Scheduler, [.. shared, .. Tokens(suffix)], vocab, cancellationToken);
            var (warmMs, warmCached) = await FirstTokenAsync(backend.Scheduler, [.. shared, .. Tokens(suffix)], vocab, cancellationToken);
            cold.Add(coldMs);
            cached.Add(warmMs);
            cachedTokens = warmCached;
            _console.Human(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: cold {coldMs:F1} ms ({coldCached} cached tokens), cached prefix {warmMs:F1} ms ({warmCached} cached tokens), {coldMs / warmMs:F1}x"));
        }

        var (coldMedian, cachedMedian) = (Median.Of(cold), Median.Of(cached));
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"median of {rounds}: time to first token {coldMedian:F1} ms cold, {cachedMedian:F1} ms with {cachedTokens} of {prefix + suffix} prompt tokens cached: {coldMedian / cachedMedian:F1}x faster"));
        if (r.GetValue(JsonOption))
        {
            _console.Json(new BenchPrefixOutput(prefix, suffix, cachedTokens, Math.Round(coldMedian, 2), Math.Round(cachedMedian, 2), Math.Round(coldMedian / cachedMedian, 2), rounds), CliJsonContext.Default.BenchPrefixOutput);
        }

        return ExitCodes.Success;
    }

    /// <summary>Milliseconds from submission to the first token, and the cached tokens the finish reports.</summary>
    private static async Task<(double Ms, int CachedTokens)> FirstTokenAsync(Scheduler scheduler, long[] prompt, int vocab, CancellationToken cancellationToken)
    {
        var none = new HashSet<long>();
        var sw = Stopwatch.StartNew();
        var reader = scheduler.Submit(new GenerationRequest(prompt, 1, SamplingParameters.Greedy with { VocabLimit = vocab }, none, none, IgnoreEos: true), cancellationToken);
        double? first = null;
        await foreach (var e in reader.ReadAllAsync(cancellationToken))
        {
            if (e.Finish is null)
            {
                first ??= sw.Elapsed.TotalMilliseconds;
            }
            else if (e.Finish == FinishReason.Error)
            {
                throw new InvalidOperationException($"a request failed: {e.Error}");
            }
            else
            {
                return (first ?? throw new InvalidOperationException("the request finished without a token"), e.CachedTokens);
            }
        }

        throw new InvalidOperationException("the request ended without a finish");
    }
}

/// <summary>The `--json` output; snake_case keys: prefix_tokens, suffix_tokens, cached_tokens, cold_ttft_ms, cached_ttft_ms, speedup, rounds.</summary>
internal sealed record BenchPrefixOutput(
    int PrefixTokens,
    int SuffixTokens,
    int CachedTokens,
    double ColdTtftMs,
    double CachedTtftMs,
    double Speedup,
    int Rounds);
