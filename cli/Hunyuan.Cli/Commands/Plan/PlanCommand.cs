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
    private static readonly Option<string> ExpertsOption = new("--experts") { Description = "Expert placement: ep (whole experts per rank) or tp (every expert split)", DefaultValueFactory = _ => "ep" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };

    private readonly CliConsole _console;

    public PlanCommand(CliConsole console)
        : base("plan", "Will it fit? Plan a deployment against a GPU count and size, no cluster needed")
    {
        _console = console;
        Arguments.Add(ModelArgument);
        foreach (var o in new Option[] { VariantOption, GpusOption, NodesOption, GpuMemoryOption, MaxModelLenOption, UtilizationOption, TpOption, PpOption, ExpertsOption, JsonOption })
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

        if (!TryParseExperts(r.GetValue(ExpertsOption), out var experts))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--experts: '{r.GetValue(ExpertsOption)}' is not ep or tp");
        }

        var gpus = r.GetValue(GpusOption);
        var nodes = r.GetValue(NodesOption) ?? Math.Max(1, gpus / 8);
        if (gpus < 1 || nodes < 1 || gpus % nodes != 0)
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--gpus {gpus} must be a positive multiple of --nodes {nodes}");
        }

        var options = new MemoryPlanOptions { GpuMemoryUtilization = r.GetValue(UtilizationOption), MaxModelLen = r.GetValue(MaxModelLenOption) };
        return CommandErrors.Guard(_console, () =>
        {
            var config = HunyuanConfig.Load(r.GetRequiredValue(ModelArgument));
            try
            {
                options.Validate();
                var inventory = GpuInventory.Uniform(nodes, gpus / nodes, gpuMemory);
                var layout = PartitionPlanner.Create(config, variant, inventory, new LayoutRequest(r.GetValue(TpOption), r.GetValue(PpOption), experts));
                var plan = MemoryPlanner.Plan(layout, gpuMemory, options);
                Report(plan, nodes, gpus);
                if (r.GetValue(JsonOption))
                {
                    _console.Json(PlanOutput.From(plan, nodes, gpus), CliJsonContext.Default.PlanOutput);
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

    private void Report(MemoryPlan p, int nodes, int gpus)
    {
        var l = p.Layout;
        var c = l.Config;
        string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        _console.Human(Inv($"model: {c}"));
        _console.Human(Inv($"variant {l.Variant.Name()} on {gpus} GPUs ({nodes} node(s) x {gpus / nodes}) of {MemoryPlanner.Gb(p.GpuMemoryBytes)}: {l.LayoutText}"));
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

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
