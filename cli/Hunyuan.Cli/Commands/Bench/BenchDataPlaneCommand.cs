using System.CommandLine;
using System.Globalization;
using Hunyuan.Cli.Commands.Plan;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench dataplane`: decode step latency of a TP x PP deployment on the real data plane in this process (each stage,
/// or with --tp-across-nodes each rank, behind its own listener on loopback, as if on its own node; steps, activations
/// and collectives over TCP) against the same model without a data plane. One process and one thread pool for both,
/// so the difference is the data plane's own cost: what `bench cluster` measures minus the agents' processes competing
/// for the cores. Same JSON keys as `bench cluster`, plus whether every run gave the same greedy ids and the stage link;
/// with PP >= 2 at TP1 also the stages run one after the other on one thread (stages_one_thread_ms_per_step and
/// split_overhead_ms_per_step, timed in alternation with the one-process run the same way).
/// With --device cuda, stage s computes on cuda:s and the reference on cuda:0; --stage-link nccl then carries the
/// activations between stages by NCCL (bench/gpu-check.sh's two-GPU check; not run on a GPU yet).
/// </summary>
internal sealed class BenchDataPlaneCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<int> TpOption = new("--tp") { Description = "Tensor-parallel ranks per stage", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> PpOption = new("--pp") { Description = "Pipeline stages", DefaultValueFactory = _ => 2 };
    private static readonly Option<bool> AcrossOption = new("--tp-across-nodes") { Description = "Every rank behind its own listener: tensor-parallel collectives over TCP" };
    private static readonly Option<string> ExpertsOption = new("--experts") { Description = "Expert placement with --tp: ep (whole experts per rank) or tp (every expert split)", DefaultValueFactory = _ => "ep" };
    private static readonly Option<int> TokensOption = new("--tokens") { Description = "Decode steps to time", DefaultValueFactory = _ => 64 };
    private static readonly Option<int> RepeatOption = new("--repeat") { Description = "Timed runs of each side, the two alternating; medians are reported", DefaultValueFactory = _ => 7 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch intra-op threads (process-wide, shared by all ranks)" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<string> DeviceOpt = new("--device")
    {
        Description = "Where stages compute: cpu, cuda (stage s on cuda:s, the reference on cuda:0) or cuda:N (everything on device N)",
        DefaultValueFactory = _ => "cpu",
    };

    private static readonly Option<string> StageLinkOpt = new("--stage-link")
    {
        Description = "Link between stages: socket, or nccl (each stage on its own CUDA device, libnccl.so.2 loadable)",
        DefaultValueFactory = _ => "socket",
    };

    private readonly CliConsole _console;

    public BenchDataPlaneCommand(CliConsole console)
        : base("dataplane", "Decode step latency over the data plane on loopback in one process against no data plane")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, TpOption, PpOption, AcrossOption, ExpertsOption, TokensOption, RepeatOption, DTypeOption, ThreadsOption, JsonOption, DeviceOpt, StageLinkOpt })
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

        var (tp, pp, steps, repeat) = (r.GetValue(TpOption), r.GetValue(PpOption), r.GetValue(TokensOption), r.GetValue(RepeatOption));
        if (tp < 1 || pp < 1 || steps < 1 || repeat < 1)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--tp, --pp, --tokens and --repeat must be at least 1");
        }

        if (!PlanCommand.TryParseExperts(r.GetValue(ExpertsOption), out var experts))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--experts: '{r.GetValue(ExpertsOption)}' is not ep or tp");
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), pp, TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        StageLinkKind link;
        switch (r.GetValue(StageLinkOpt))
        {
            case "socket":
                link = StageLinkKind.Socket;
                break;
            case "nccl":
                link = StageLinkKind.Nccl;
                break;
            default:
                return _console.Fail(ExitCodes.InvalidArguments, "--stage-link must be socket or nccl");
        }

        if (link == StageLinkKind.Nccl && pp > 1)
        {
            if (!device.Cuda || device.Index is not null)
            {
                return _console.Fail(ExitCodes.InvalidArguments, "--stage-link nccl needs --device cuda (stage s on cuda:s: one GPU per stage)");
            }

            if (Hunyuan.Engine.Collectives.Nccl.NcclLoader.Default.Library is null)
            {
                return _console.Fail(ExitCodes.InvalidArguments, "--stage-link nccl: libnccl.so.2 does not load (pip nvidia-nccl-cu12, libnccl2, or HYC_NCCL_LIBRARY=/path/libnccl.so.2)");
            }
        }

        if (r.GetValue(ThreadsOption) is { } threads)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
        var options = new LoadOptions { DType = dtype, Device = device.ForSlot(0) };
        var stageLinks = new LoopbackStageLinks(Enumerable.Range(0, pp).Select(device.ForSlot).ToArray(), link);
        long[] prompt = [1, 2, 3, 4, 5, 6, 7, 8];
        PairedStepLatency latency;
        PairedStepLatency? split = null;
        int nodes;
        bool sameIds;
        var timed = new List<DataPlaneTimings>();
        var collectives = default(CollectiveTimings);
        CollectivePhasesPerStep? phases = null;

        // Both loaded at once, so their runs can alternate; each waits idle while the other runs.
        await using (var ranks = await LoopbackDeployment.LoadAsync(dir, tp, pp, options, tensorParallelAcrossNodes: r.GetValue(AcrossOption), stageLinks: stageLinks, experts: experts))
        await using (var driver = await DataPlaneDriver.ConnectAsync(ranks.Target(1)))
        using (var local = new LocalCausalLm(ModelLoader.Load(dir, options)))
        {
            var sequence = 0L;
            latency = await DecodeStepLatency.InterleavedAsync(
                async (t, measured) =>
                {
                    var before = driver.Timings;
                    var collectivesBefore = ranks.CollectiveTimings;
                    await driver.GenerateAsync(++sequence, prompt, t);
                    if (measured)
                    {
                        timed.Add(driver.Timings - before);
                        collectives += ranks.CollectiveTimings - collectivesBefore;
                    }
                },
                async t => await GreedyDecoder.RunAsync(local, prompt, t),
                steps,
                repeat);
            var planeIds = await driver.GenerateAsync(++sequence, prompt, steps);
            var singleIds = (await GreedyDecoder.RunAsync(local, prompt, steps)).Ids;
            sameIds = planeIds.SequenceEqual(singleIds);
            nodes = ranks.Servers.Count;
            phases = CollectivePhasesPerStep.Of(collectives, timed.Sum(t => t.Steps), ranks.PeerGroupRanks, ranks.Plan);
            if (pp > 1 && tp == 1)
            {
                // The same stages on this one thread: whether a deployment's extra work is the split or what carries it.
                using var stages = StagesOnOneThread.Load(dir, options, pp);
                split = await DecodeStepLatency.InterleavedAsync(
                    async (t, _) => await GreedyDecoder.RunAsync(stages, prompt, t),
                    async t => await GreedyDecoder.RunAsync(local, prompt, t),
                    steps,
                    repeat);
                sameIds &= (await GreedyDecoder.RunAsync(stages, prompt, steps)).Ids.SequenceEqual(singleIds);
            }
        }

        var (rankMs, planeMs) = DecodeStepLatency.Split(timed, steps);
        var linkName = link.ToString().ToLowerInvariant();
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"TP{tp} x PP{pp} over {nodes} loopback listener(s), {linkName} stage links, one process: {latency.ClusterMs:F2} ms per decode step on the data plane; without: {latency.SingleMs:F2} ms; {latency.DescribeOverhead()}; of a step, the ranks' own work {rankMs:F2} ms and the data plane {planeMs:F2} ms (medians of {repeat} alternating runs){(split is null ? "" : $"; the stages on one thread without a data plane: {split.ClusterMs:F2} ms, {split.OverheadMs:F2} ms over one process")}; greedy ids {(sameIds ? "match" : "DIFFER")}"));
        if (phases is not null)
        {
            _console.Human(phases.Describe());
        }

        if (r.GetValue(JsonOption))
        {
            _console.Json(BenchClusterOutput.Of(latency, tp, pp, nodes, rankMs, planeMs, sameIds, linkName, split) with { Collectives = phases }, CliJsonContext.Default.BenchClusterOutput);
        }

        return ExitCodes.Success;
    }
}
