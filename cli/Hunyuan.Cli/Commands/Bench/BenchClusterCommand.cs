using System.CommandLine;
using System.Globalization;
using Hunyuan.Cluster.Services;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench cluster --deployment NAME`: decode step latency through a running deployment's data plane (the head's
/// driver sends each step to every rank, stage 0 sends its activations to stage 1, the last stage returns the token)
/// against the same model in this process, the two timed in alternation (see <see cref="DecodeStepLatency"/>). Per step =
/// (time for 1 + N tokens - time for 1 token) / N, so prefill cancels out. The deployment must not be served meanwhile
/// (deploy with --no-serve): a serving endpoint holds its lease.
/// </summary>
internal sealed class BenchClusterCommand : Command
{
    private static readonly Option<string> DeploymentOption = new("--deployment") { Description = "Deployment name", Required = true };
    private static readonly Option<int> TokensOption = new("--tokens") { Description = "Decode steps to time", DefaultValueFactory = _ => 64 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "The deployment's compute dtype, for the one-process run", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int> RepeatOption = new("--repeat") { Description = "Timed runs of each side, the two alternating; medians are reported", DefaultValueFactory = _ => 7 };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch threads of the one-process run (match the agents' --torch-threads for a like-for-like figure)" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };

    private readonly CliConsole _console;

    public BenchClusterCommand(CliConsole console)
        : base("cluster", "Decode step latency through a deployment's rank grains against one process")
    {
        _console = console;
        ClusterTargetOptions.AddTo(this);
        Options.Add(DeploymentOption);
        Options.Add(TokensOption);
        Options.Add(RepeatOption);
        Options.Add(DTypeOption);
        Options.Add(ThreadsOption);
        Options.Add(JsonOption);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        await using var control = await ClusterService.CreateDefault().ConnectAsync(ClusterTargetOptions.Read(r), ClusterTargetOptions.ConnectTimeout(r), cancellationToken);
        var client = control.Grains;
        var name = r.GetRequiredValue(DeploymentOption);
        var n = r.GetValue(TokensOption);
        var grain = client.GetGrain<IDeploymentGrain>(name);
        var status = await grain.GetStatusAsync();
        if (status is null || status.State != DeploymentState.Ready)
        {
            return _console.Fail(ExitCodes.DeployFailed, $"deployment {name} is not ready ({status?.State.ToString() ?? "absent"})");
        }

        long[] prompt = [1, 2, 3, 4, 5, 6, 7, 8];
        var repeat = r.GetValue(RepeatOption);
        var options = new LoadOptions
        {
            DType = ComputeDType.TryParse(r.GetValue(DTypeOption), out var dt) ? dt : TorchSharp.torch.ScalarType.BFloat16,
            Variant = ModelVariants.TryParse(status.Variant, out var v) ? v : ModelVariant.Bf16,
        };
        if (r.GetValue(ThreadsOption) is { } threads)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        // The ranks report their own work per step, so the data plane's share is measured on the same steps, whatever
        // this process's one-process reference does.
        var timed = new List<DataPlaneTimings>();
        var clusterSteps = 0L;
        var rankGrains = status.Ranks.Select(k => client.GetGrain<IRankGrain>(RankKeys.Format(name, k.Rank, k.Node))).ToArray();
        var collectivesBefore = await CollectiveSumsAsync(rankGrains);
        var model = ModelLoader.Load(status.Model, options);
        using var local = new LocalCausalLm(model);

        // The longest run of each side, compared at the end: a latency is only worth reporting for the same tokens.
        long[] clusterIds = [], singleIds = [];
        var latency = await DecodeStepLatency.InterleavedAsync(
            async (t, measured) =>
            {
                var generation = await grain.GenerateTimedAsync(prompt, t);
                clusterSteps += generation.Steps;
                clusterIds = generation.Ids.Length >= clusterIds.Length ? generation.Ids : clusterIds;
                if (measured)
                {
                    timed.Add(new DataPlaneTimings(generation.Steps, generation.StepSeconds, generation.RankSeconds));
                }
            },
            async t =>
            {
                var ids = (await GreedyDecoder.RunAsync(local, prompt, t)).Ids.ToArray();
                singleIds = ids.Length >= singleIds.Length ? ids : singleIds;
            },
            n,
            repeat);
        var sameIds = clusterIds.SequenceEqual(singleIds);
        var (ranks, dataPlane) = DecodeStepLatency.Split(timed, n);
        var nodes = status.Ranks.Select(k => k.Node).Distinct().Count();

        // Read around all the runs rather than each (a grain call inside a timed run would be timed with it); only the
        // deployment's runs move these sums, so they cover its warm-up and timed steps alike.
        var collectivesAfter = await CollectiveSumsAsync(rankGrains);
        var layout = await grain.GetLayoutAsync();
        var phases = CollectivePhasesPerStep.Of(
            collectivesAfter.Sum - collectivesBefore.Sum, clusterSteps, collectivesAfter.Ranks,
            CollectivePhasesPerStep.ExpertsLabel(model.Config.IsMoe, layout?.ExpertPlacement ?? "ep"));
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"deployment {name} (TP{status.Tp} x PP{status.Pp} over {nodes} node(s)): {latency.ClusterMs:F2} ms per decode step; one process: {latency.SingleMs:F2} ms; {latency.DescribeOverhead()}; of a step, the ranks' own work {ranks:F2} ms and the data plane {dataPlane:F2} ms (medians of {repeat} alternating runs); greedy ids {(sameIds ? "match" : "DIFFER (is the deployment's dtype this run's --dtype?)")}"));
        if (phases is not null)
        {
            _console.Human(phases.Describe() + " (every run of the deployment, warm-ups included)");
        }

        if (r.GetValue(JsonOption))
        {
            _console.Json(BenchClusterOutput.Of(latency, status.Tp, status.Pp, nodes, ranks, dataPlane, sameIds) with { Collectives = phases }, CliJsonContext.Default.BenchClusterOutput);
        }

        return ExitCodes.Success;
    }

    // The ranks' TCP collectives so far, summed, and how many ranks have such a group (those of a TP group spanning nodes).
    private static async Task<(CollectiveTimings Sum, int Ranks)> CollectiveSumsAsync(IRankGrain[] ranks)
    {
        var sums = (await Task.WhenAll(ranks.Select(g => g.GetStatusAsync()))).Select(s => s.Collectives).OfType<RankCollectiveTimings>().ToArray();
        return (sums.Aggregate(default(CollectiveTimings), (sum, c) => sum + new CollectiveTimings(c.Collectives, c.SendSeconds, c.WaitSeconds, c.ReceiveSeconds, c.CombineSeconds)), sums.Length);
    }
}

/// <summary>
/// The `--json` output; snake_case keys: cluster_ms_per_step, single_ms_per_step (medians of the alternating runs),
/// overhead_ms_per_step (the median of the per-run differences), overhead_ms_runs (each run's difference) and, from 6
/// runs on, overhead_ms_interval {low, high, confidence} (a 95% or wider interval for that median), tp, pp,
/// nodes, ranks_ms_per_step and data_plane_ms_per_step (of a cluster step, the ranks' own work and the rest, as the head's
/// driver measured them on the timed steps), same_greedy_ids (the longest runs of both sides gave the same ids);
/// `bench dataplane` adds stage_link, and with PP >= 2 at
/// TP1 stages_one_thread_ms_per_step and split_overhead_ms_per_step; both add collectives (see
/// <see cref="CollectivePhasesPerStep"/>) when a TP group's collectives go over TCP.
/// </summary>
internal sealed record BenchClusterOutput(
    double ClusterMsPerStep,
    double SingleMsPerStep,
    double OverheadMsPerStep,
    double[] OverheadMsRuns,
    int Tp,
    int Pp,
    int Nodes,
    double RanksMsPerStep,
    double DataPlaneMsPerStep,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? SameGreedyIds = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? StageLink = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? StagesOneThreadMsPerStep = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? SplitOverheadMsPerStep = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] CollectivePhasesPerStep? Collectives = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] MedianInterval? OverheadMsInterval = null)
{
    public static BenchClusterOutput Of(
        PairedStepLatency latency, int tp, int pp, int nodes, double ranksMs, double dataPlaneMs, bool? sameGreedyIds = null, string? stageLink = null, PairedStepLatency? split = null) =>
        new(Math.Round(latency.ClusterMs, 3), Math.Round(latency.SingleMs, 3), Math.Round(latency.OverheadMs, 3), [.. latency.OverheadRuns.Select(d => Math.Round(d, 3))],
            tp, pp, nodes, Math.Round(ranksMs, 3), Math.Round(dataPlaneMs, 3), sameGreedyIds, stageLink,
            split is null ? null : Math.Round(split.ClusterMs, 3), split is null ? null : Math.Round(split.OverheadMs, 3),
            OverheadMsInterval: latency.OverheadInterval?.Rounded(3));
}
