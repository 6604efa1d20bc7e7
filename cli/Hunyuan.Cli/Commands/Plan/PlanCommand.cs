using System.CommandLine;
using System.Globalization;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Engine.Planning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Plan;

/// <summary>
/// `hyc plan MODEL_DIR|config.json --variant V --gpus N --gpu-memory 96GiB`: the layout, per-GPU weights, reserve, KV
/// bytes per token and how many tokens fit, with a verdict. No cluster needed. Exit codes: Success (fits), DoesNotFit,
/// InvalidLayout, InvalidArguments, BadConfig, FileError.
/// </summary>
internal sealed class PlanCommand : Command
{
    private static readonly Argument<string> ModelArgument = new("MODEL") { Description = "Model directory or config.json" };
    private static readonly Option<string> VariantOption = new("--variant") { Description = "bf16, fp8 or int8", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<int> GpusOption = new("--gpus") { Description = "Number of GPUs", Required = true };
    private static readonly Option<int?> NodesOption = new("--nodes") { Description = "Nodes the GPUs are spread over (default: GPUs / 8, at least 1)" };
    private static readonly Option<string> GpuMemoryOption = new("--gpu-memory") { Description = "Memory per GPU, e.g. 96GiB or 80GB", Required = true };
    private static readonly Option<int?> MaxModelLenOption = new("--max-model-len") { Description = "Longest sequence (default: the config's max_position_embeddings)" };
    private static readonly Option<double> UtilizationOption = new("--gpu-memory-utilization") { Description = "Fraction of GPU memory to use", DefaultValueFactory = _ => 0.9 };
    private static readonly Option<int?> TpOption = new("--tp") { Description = "Tensor-parallel size (default: a node's GPUs)" };
    private static readonly Option<int?> PpOption = new("--pp") { Description = "Pipeline stages (default: the nodes)" };
    private static readonly Option<string?> ExpertsOption = new("--experts") { Description = "Expert placement: ep (whole experts per rank) or tp (every expert split); default: the faster estimate (virtual GPUs: ep)" };
    private static readonly Option<string> GpuNameOption = new("--gpu-name") { Description = "GPU model for the bandwidth table (H20, H100, H200, A100, L40S); virtual: CPU slots", DefaultValueFactory = _ => "virtual" };
    private static readonly Option<string?> GpuBandwidthOption = new("--gpu-bandwidth") { Description = "Memory bandwidth per GPU, e.g. 4.8TB/s (overrides --gpu-name's figure)" };
    private static readonly Option<int> MaxNumSeqsOption = new("--max-num-seqs") { Description = "Sequences per decode step: the batch the expert-placement estimate assumes", DefaultValueFactory = _ => 16 };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };

    private readonly CliConsole _console;

    public PlanCommand(CliConsole console)
        : base("plan", "Will it fit? Plan a deployment against a GPU count and size, no cluster needed")
    {
        _console = console;
        Arguments.Add(ModelArgument);
        foreach (var o in new Option[] { VariantOption, GpusOption, NodesOption, GpuMemoryOption, MaxModelLenOption, UtilizationOption, TpOption, PpOption, ExpertsOption, GpuNameOption, GpuBandwidthOption, MaxNumSeqsOption, JsonOption })
        {
            Options.Add(o);
        }

        SetAction(Execute);
    }

    internal static bool TryParseExperts(string? text, out ExpertPlacement placement)
    {
        placement = text?.Trim().ToLowerInvariant() switch
        {
            "ep" or "expert-parallel" => ExpertPlacement.ExpertParallel,
            "tp" or "tensor-parallel" => ExpertPlacement.TensorParallel,
            _ => (ExpertPlacement)(-1),
        };
        return Enum.IsDefined(placement);
    }

    private int Execute(ParseResult r)
    {
        if (!ModelVariants.TryParse(r.GetValue(VariantOption), out var variant))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--variant: '{r.GetValue(VariantOption)}' is not bf16, fp8 or int8");
        }

        if (!MemoryPlanner.TryParseSize(r.GetRequiredValue(GpuMemoryOption), out var gpuMemory))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--gpu-memory: '{r.GetValue(GpuMemoryOption)}' is not a size such as 96GiB or 80GB");
        }

        ExpertPlacement? forced = null;
        if (r.GetValue(ExpertsOption) is { } expertsText && !string.Equals(expertsText, "auto", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryParseExperts(expertsText, out var experts))
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--experts: '{expertsText}' is not ep, tp or auto");
            }

            forced = experts;
        }

        double? bandwidth = null;
        if (r.GetValue(GpuBandwidthOption) is { } bwText)
        {
            if (!GpuBandwidth.TryParse(bwText, out var bps))
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--gpu-bandwidth: '{bwText}' is not a rate such as 4.8TB/s or 3350GB/s");
            }

            bandwidth = bps;
        }

        var batch = r.GetValue(MaxNumSeqsOption);
        if (batch < 1)
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--max-num-seqs must be at least 1, got {batch}");
        }

        var gpus = r.GetValue(GpusOption);
        var nodes = r.GetValue(NodesOption) ?? Math.Max(1, gpus / 8);
        if (gpus < 1 || nodes < 1 || gpus % nodes != 0)
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--gpus {gpus} must be a positive multiple of --nodes {nodes}");
        }

        var options = new MemoryPlanOptions { GpuMemoryUtilization = r.GetValue(UtilizationOption), MaxModelLen = r.GetValue(MaxModelLenOption), MaxNumSeqs = batch };
        return CommandErrors.Guard(_console, () =>
        {
            var config = HunyuanConfig.Load(r.GetRequiredValue(ModelArgument));
            try
            {
                options.Validate();
                var inventory = GpuInventory.Uniform(nodes, gpus / nodes, gpuMemory, gpuName: r.GetValue(GpuNameOption) ?? "virtual");
                var (layout, estimate) = ExpertPlacementAdvisor.Plan(config, variant, inventory, r.GetValue(TpOption), r.GetValue(PpOption), batch, bandwidth, forced);
                var plan = MemoryPlanner.Plan(layout, gpuMemory, options);
                Report(plan, estimate, nodes, gpus);
                if (r.GetValue(JsonOption))
                {
                    _console.Json(PlanOutput.From(plan, estimate, nodes, gpus), CliJsonContext.Default.PlanOutput);
                }

                return plan.Fits ? ExitCodes.Success : ExitCodes.DoesNotFit;
            }
            catch (LayoutException ex)
            {
                return _console.Fail(ExitCodes.InvalidLayout, ex.Message);
            }
            catch (ArgumentException ex)
            {
                return _console.Fail(ExitCodes.InvalidArguments, ex.Message);
            }
        });
    }

    private void Report(MemoryPlan p, PlacementEstimate e, int nodes, int gpus)
    {
        var l = p.Layout;
        var c = l.Config;
        string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        _console.Human(Inv($"model: {c}"));
        _console.Human(Inv($"variant {l.Variant.Name()} on {gpus} GPUs ({nodes} node(s) x {gpus / nodes}) of {MemoryPlanner.Gb(p.GpuMemoryBytes)}: {l.LayoutText}"));
        if (l.Config.IsMoe)
        {
            var bw = e.SharedMemory ? Inv($"{e.BytesPerSecond / 1e9:0.#} GB/s per host (virtual GPUs share it)") : Inv($"{e.BytesPerSecond / 1e12:0.###} TB/s per GPU");
            _console.Human(Inv($"experts at batch {e.Batch} (~{e.DistinctExpertsPerLayer:0.#} of {l.Config.NumExperts} touched per layer), {bw}: ep {Ms(e.EpMsPerToken)}, tp {Ms(e.TpMsPerToken)} per token (routed experts per layer: ep {Us(e.EpExpertUsPerLayer)}, tp {Us(e.TpExpertUsPerLayer)})"));
            _console.Human($"expert placement {(e.Chosen == ExpertPlacement.ExpertParallel ? "ep" : "tp")}: {e.Rule}");
        }

        _console.Human(Inv($"weights: {MemoryPlanner.Gb(l.ModelWeightBytes)} in all, {MemoryPlanner.Gb(l.MaxRankWeightBytes)} on the heaviest GPU"));
        _console.Human(Inv($"per GPU: usable {MemoryPlanner.Gb(p.Heaviest.UsableBytes)} (x {p.Options.GpuMemoryUtilization:0.##}), activation/workspace reserve {MemoryPlanner.Gb(p.Heaviest.ReserveBytes)}"));
        _console.Human(Inv($"KV cache (true CLA, {(l.Variant.KvBytesPerElement() == 1 ? "fp8" : "bf16")}): {p.KvBytesPerToken:N0} bytes/token for the model (the seed's vLLM stores {p.KvBytesPerTokenSeedLayout:N0}), {p.KvBytesPerTokenStored:N0} stored across GPUs; room for {p.MaxKvTokens:N0} tokens"));
        _console.Human("  rank  node        gpu  stage  layers  heads    kv  experts        vocab rows   weights");
        foreach (var rm in p.Ranks)
        {
            var s = rm.Rank.Slice;
            _console.Human(Inv($"  {rm.Rank.Rank,4}  {rm.Rank.Node,-10}  {rm.Rank.Gpu,3}  {rm.Rank.Stage,5}  {rm.Rank.LayersText,6}  {s.HeadStart,3}+{s.HeadCount,-3} {s.KvHeadStart,2}+{s.KvHeadCount,-1}  {Truncate(rm.Rank.ExpertsText(c.IntermediateSize), 13),-13}  {s.VocabCount,10:N0}  {MemoryPlanner.Gb(rm.WeightBytes),9}"));
        }

        foreach (var n in l.Notes)
        {
            _console.Human($"note: {n}");
        }

        _console.Human(p.Reason);
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) + " ms" : "invalid";

    private static string Us(double? us) => us is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) + " us" : "invalid";

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
