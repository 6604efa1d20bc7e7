using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Cli.Commands.Plan;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Native;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Cli.Commands.Model;

/// <summary>
/// `hyc model run DIR --ids 1,2,3`: load the model in this process, prefill the ids, greedy-decode. With --tp/--pp the
/// model is partitioned into ranks, each on its own thread with in-process collectives, as the ranks of one node run.
/// Exit codes: Success, InvalidArguments, InvalidLayout, BadConfig, BadCheckpoint, FileError.
/// </summary>
internal sealed class RunCommand : Command
{
    private static readonly Argument<string> DirArgument = new("DIR") { Description = "Model directory, or a built-in: tiny, mini" };
    private static readonly Option<string> IdsOption = new("--ids") { Description = "Prompt token ids, comma-separated", Required = true };
    private static readonly Option<int> GenerateOption = new("--generate") { Description = "New tokens to generate greedily", DefaultValueFactory = _ => 16 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype: bfloat16 (fast on CPUs with avx512_bf16) or float32", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<string?> LogitsOutOption = new("--logits-out") { Description = "Write the prompt positions' logits (F32 [T, vocab], tensor 'logits') to this safetensors file" };
    private static readonly Option<string> VariantOption = new("--variant") { Description = "bf16, fp8 (W8A8C8) or int8 (experts)", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<bool> Fp8ExactOption = new("--fp8-exact") { Description = "fp8 checking mode: dequantize weights exactly, quantize no activations or KV" };
    private static readonly Option<int> TpOption = new("--tp") { Description = "Tensor-parallel ranks", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> PpOption = new("--pp") { Description = "Pipeline stages", DefaultValueFactory = _ => 1 };
    private static readonly Option<string> ExpertsOption = new("--experts") { Description = "Expert placement with --tp: ep or tp", DefaultValueFactory = _ => "ep" };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch CPU threads (default: torch's choice)" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();

    private readonly CliConsole _console;

    public RunCommand(CliConsole console)
        : base("run", "Run the model in one process: prefill and greedy decode")
    {
        _console = console;
        Arguments.Add(DirArgument);
        Options.Add(IdsOption);
        Options.Add(GenerateOption);
        Options.Add(DTypeOption);
        Options.Add(LogitsOutOption);
        Options.Add(VariantOption);
        Options.Add(Fp8ExactOption);
        Options.Add(TpOption);
        Options.Add(PpOption);
        Options.Add(ExpertsOption);
        Options.Add(ThreadsOption);
        Options.Add(JsonOption);
        Options.Add(DeviceOpt);
        SetAction(Execute);
    }

    public static bool TryParseIds(string text, out long[] ids, out string error)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        ids = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
            {
                error = $"--ids: element {i + 1} ('{parts[i]}') is not a non-negative integer";
                return false;
            }
        }

        error = "";
        return parts.Length > 0;
    }

    private static ICausalLm Load(string dir, HunyuanConfig config, LoadOptions options, int tp, int pp, ExpertPlacement experts, DeviceRequest device)
    {
        if (tp == 1 && pp == 1)
        {
            return new LocalCausalLm(ModelLoader.Load(dir, options with { Device = device.ForSlot(0) }));
        }

        // Virtual GPUs: one slot per rank, memory unconstrained (this command runs; `hyc plan` judges fit).
        var plan = PartitionPlanner.Create(config, options.Variant, GpuInventory.Uniform(pp, Math.Max(1, tp), long.MaxValue / 4), new LayoutRequest(tp, pp, experts));
        // Rank r is on GPU slot r of this host (cuda:r with --device cuda).
        return LocalRankSet.LoadAsync(plan, dir, options, null, null, rank => device.ForSlot(rank.Rank)).GetAwaiter().GetResult();
    }

    private static long ResidentBytes(ICausalLm lm) => lm switch
    {
        LocalCausalLm local => local.Model.ResidentBytes,
        LocalRankSet ranks => ranks.Workers.Sum(w => w.ResidentWeightBytes),
        _ => 0,
    };

    private int Execute(ParseResult r)
    {
        if (!TryParseIds(r.GetRequiredValue(IdsOption), out var ids, out var idError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, idError);
        }

        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--dtype: '{r.GetValue(DTypeOption)}' is not float32 or bfloat16");
        }

        if (!ModelVariants.TryParse(r.GetValue(VariantOption), out var variant))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--variant: '{r.GetValue(VariantOption)}' is not bf16, fp8 or int8");
        }

        if (!PlanCommand.TryParseExperts(r.GetValue(ExpertsOption), out var experts))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--experts: '{r.GetValue(ExpertsOption)}' is not ep or tp");
        }

        var tp = r.GetValue(TpOption);
        var pp = r.GetValue(PpOption);
        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), Math.Max(1, tp) * Math.Max(1, pp), TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        var options = new LoadOptions { DType = dtype, Variant = variant, Fp8ExactDequantize = r.GetValue(Fp8ExactOption) };
        var generate = r.GetValue(GenerateOption);
        if (generate < 0)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--generate must be 0 or more");
        }

        if (r.GetValue(ThreadsOption) is { } threads)
        {
            if (threads < 1)
            {
                return _console.Fail(ExitCodes.InvalidArguments, "--threads must be at least 1");
            }

            torch.set_num_threads(threads);
        }

        return CommandErrors.Guard(_console, () =>
        {
            var dir = ModelDirectory.Resolve(r.GetRequiredValue(DirArgument), _console);
            var config = HunyuanConfig.Load(dir);
            var bad = Array.FindIndex(ids, id => id >= config.VocabSize);
            if (bad >= 0)
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--ids: element {bad + 1} ({ids[bad]}) is outside the vocabulary of {config.VocabSize}");
            }

            var logitsOut = r.GetValue(LogitsOutOption);
            var sw = Stopwatch.StartNew();
            _console.Human($"loading {dir} ({config}) as {variant.Name()} computing in {ComputeDType.Name(dtype)}{(tp * pp > 1 ? $", TP{tp} x PP{pp}" : "")}");
            using var lm = Load(dir, config, options, tp, pp, experts, device);
            var loadMs = sw.Elapsed.TotalMilliseconds;
            var result = GreedyDecoder.RunAsync(lm, ids, generate, keepPromptLogits: logitsOut is not null).GetAwaiter().GetResult();
            if (logitsOut is not null)
            {
                using var logits = result.PromptLogits!;
                SafeTensorsWriter.Write(logitsOut, [new("logits", logits)]);
                _console.Human($"wrote prompt logits [{ids.Length}, {config.VocabSize}] to {logitsOut}");
            }

            var output = new RunOutput(
                result.Ids.ToArray(), ids.Length, result.Ids.Count, ComputeDType.Name(dtype),
                Math.Round(loadMs, 1), Math.Round(result.Prefill.TotalMilliseconds, 2), Math.Round(result.DecodeTokensPerSecond, 2),
                ResidentBytes(lm), config.KvBytesPerToken(options.Fp8KvCache ? 1 : (dtype == torch.ScalarType.Float32 ? 4 : 2)), variant.Name(), tp, pp,
                LibTorchLoader.Description);
            _console.Human($"prompt {ids.Length} tokens, prefill {output.PrefillMs:F1} ms, decode {output.DecodeTokensPerS:F1} tokens/s");
            _console.Human($"greedy ids: {string.Join(",", output.GreedyIds)}");
            if (r.GetValue(JsonOption))
            {
                _console.Json(output, CliJsonContext.Default.RunOutput);
            }

            return ExitCodes.Success;
        });
    }
}

internal sealed record RunOutput(
    long[] GreedyIds, int PromptTokens, int GeneratedTokens, string Dtype, double LoadMs, double PrefillMs,
    double DecodeTokensPerS, long ResidentWeightBytes, long KvBytesPerToken, string Variant, int Tp, int Pp, string Libtorch);
