using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Config;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench layouts`: prefill and decode step latency of tensor/pipeline layouts against one process, and each
/// rank's resident weight bytes against the plan's prediction. All ranks run in this process (one thread each).
/// </summary>
internal sealed class BenchLayoutsCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<string> LayoutsOption = new("--layouts") { Description = "Comma-separated TPxPP layouts", DefaultValueFactory = _ => "1x1,2x1,4x1,2x2" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int> PromptOption = new("--prompt") { Description = "Prompt tokens (the prefill step)", DefaultValueFactory = _ => 128 };
    private static readonly Option<int> StepsOption = new("--steps") { Description = "Measured decode steps", DefaultValueFactory = _ => 64 };
    private static readonly Option<string> ExpertsOption = new("--experts") { Description = "Expert placement: ep or tp", DefaultValueFactory = _ => "ep" };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch intra-op threads (process-wide, shared by all ranks)" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();

    private readonly CliConsole _console;

    public BenchLayoutsCommand(CliConsole console)
        : base("layouts", "Step latency of TP/PP layouts against one process, and resident memory per rank against the plan")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, LayoutsOption, DTypeOption, PromptOption, StepsOption, ExpertsOption, ThreadsOption, JsonOption, DeviceOpt })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => ExecuteAsync(r));
    }

    private async Task<int> ExecuteAsync(ParseResult r)
    {
        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--dtype: '{r.GetValue(DTypeOption)}' is not float32 or bfloat16");
        }

        if (r.GetValue(ThreadsOption) is { } threads)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        if (!Plan.PlanCommand.TryParseExperts(r.GetValue(ExpertsOption), out var experts))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--experts must be ep or tp");
        }

        var layouts = new List<(int Tp, int Pp)>();
        foreach (var text in r.GetRequiredValue(LayoutsOption).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = text.Split('x');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var tp) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pp))
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--layouts: '{text}' is not TPxPP such as 2x1");
            }

            layouts.Add((tp, pp));
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), layouts.Count == 0 ? 1 : layouts.Max(l => Math.Max(1, l.Tp) * Math.Max(1, l.Pp)), TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
        var config = HunyuanConfig.Load(dir);
        var rows = new List<BenchLayoutRow>();
        double? baseline = null, baselinePrefill = null;
        foreach (var (tp, pp) in layouts)
        {
            PartitionPlan plan;
            try
            {
                plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(pp, tp, long.MaxValue / 4), new LayoutRequest(tp, pp, experts));
            }
            catch (LayoutException ex)
            {
                return _console.Fail(ExitCodes.InvalidLayout, $"{tp}x{pp}: {ex.Message}");
            }

            var rssBefore = Environment.WorkingSet;
            using var ranks = await LocalRankSet.LoadAsync(plan, dir, LoadOptions.Of(dtype), null, null, rank => device.ForSlot(rank.Rank));
            var rssDelta = Environment.WorkingSet - rssBefore;
            var t = await StepTimer.MeasureAsync(ranks, r.GetValue(PromptOption), 8, r.GetValue(StepsOption));
            baseline ??= t.MeanDecodeStepMs;
            baselinePrefill ??= t.PrefillMs;
            var perRank = ranks.Workers.Select(w => new BenchRankMemory(w.Plan.Rank, w.Plan.WeightBytes, w.ResidentWeightBytes, w.BytesRead)).ToArray();
            var row = new BenchLayoutRow(tp, pp, Math.Round(t.PrefillMs, 2), Math.Round(t.MeanDecodeStepMs, 3), Math.Round(t.MedianDecodeStepMs, 3),
                Math.Round(t.MeanDecodeStepMs / baseline.Value, 2), Math.Round(t.PrefillMs / baselinePrefill.Value, 2), rssDelta, perRank);
            rows.Add(row);
            _console.Human(string.Create(CultureInfo.InvariantCulture,
                $"TP{tp} x PP{pp} ({(experts == ExpertPlacement.ExpertParallel ? "ep" : "tp")} experts): prefill {r.GetValue(PromptOption)} tokens {row.PrefillMs:F1} ms ({row.PrefillVsFirst:F2}x), decode step {row.MeanDecodeStepMs:F2} ms mean, {row.MedianDecodeStepMs:F2} median ({row.DecodeVsFirst:F2}x the first layout); process RSS grew {rssDelta / 1e6:F0} MB"));
            foreach (var m in perRank)
            {
                _console.Human(string.Create(CultureInfo.InvariantCulture,
                    $"    rank {m.Rank}: planned {m.PlannedWeightBytes / 1e6:F2} MB (bf16 variant), held {m.ResidentWeightBytes / 1e6:F2} MB in {ComputeDType.Name(dtype)}, read {m.BytesRead / 1e6:F2} MB"));
            }
        }

        if (r.GetValue(JsonOption))
        {
            _console.Json(new BenchLayoutsOutput(dir, ComputeDType.Name(dtype), rows.ToArray()), CliJsonContext.Default.BenchLayoutsOutput);
        }

        return ExitCodes.Success;
    }
}

internal sealed record BenchRankMemory(int Rank, long PlannedWeightBytes, long ResidentWeightBytes, long BytesRead);

internal sealed record BenchLayoutRow(int Tp, int Pp, double PrefillMs, double MeanDecodeStepMs, double MedianDecodeStepMs, double DecodeVsFirst, double PrefillVsFirst, long ProcessRssGrowthBytes, BenchRankMemory[] Ranks);

internal sealed record BenchLayoutsOutput(string Model, string Dtype, BenchLayoutRow[] Layouts);
