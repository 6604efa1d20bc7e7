using System.Globalization;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Partitioning;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// A rank's tensor-parallel collectives over TCP in an average timed decode step (over the ranks and the timed runs),
/// by phase (see <see cref="CollectiveTimings"/>): wait is what the layout and the scheduling of the cores charge (a
/// peer still computing its part, then this rank's wake-up); send, receive and combine are the data plane's own work.
/// </summary>
internal sealed record CollectivePhasesPerStep(string Experts, double PerStep, double SendMs, double WaitMs, double ReceiveMs, double CombineMs)
{
    /// <summary>
    /// Null when no rank's collectives went over TCP (TP1, or the ranks of a stage sharing a process), or when the sums went
    /// backwards (a rank reloaded between the two readings, its sums starting again from zero).
    /// </summary>
    /// <param name="plan">The layout timed: its expert placement is reported, or "dense" for a model without experts.</param>
    public static CollectivePhasesPerStep? Of(CollectiveTimings sum, long steps, int ranks, PartitionPlan plan) =>
        Of(sum, steps, ranks, ExpertsLabel(plan.Config.IsMoe, plan.ExpertPlacement == ExpertPlacement.ExpertParallel ? "ep" : "tp"));

    /// <summary>"dense" for a model without experts, else the placement ("ep" or "tp").</summary>
    public static string ExpertsLabel(bool moe, string placement) => moe ? placement : "dense";

    /// <param name="experts">The label reported (<see cref="ExpertsLabel"/>).</param>
    public static CollectivePhasesPerStep? Of(CollectiveTimings sum, long steps, int ranks, string experts)
    {
        if (sum.Collectives <= 0 || sum.SendSeconds < 0 || sum.WaitSeconds < 0 || sum.ReceiveSeconds < 0 || sum.CombineSeconds < 0 || steps <= 0 || ranks <= 0)
        {
            return null;
        }

        var per = 1.0 / (steps * (double)ranks);
        return new(
            experts,
            Math.Round(sum.Collectives * per, 2),
            Math.Round(sum.SendSeconds * 1e3 * per, 3),
            Math.Round(sum.WaitSeconds * 1e3 * per, 3),
            Math.Round(sum.ReceiveSeconds * 1e3 * per, 3),
            Math.Round(sum.CombineSeconds * 1e3 * per, 3));
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"a rank's {PerStep:F0} collectives over TCP per step ({(Experts == "dense" ? "dense model" : $"{Experts} experts")}): sending {SendMs:F2} ms, waiting for the peer's part {WaitMs:F2} ms, receiving {ReceiveMs:F2} ms, combining {CombineMs:F2} ms");
}
