using System.Globalization;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Planning;

/// <summary>
/// Chooses where routed experts go by estimating a decode step of each placement from what it reads: a step costs
/// the busiest rank's bytes over its bandwidth, layer after layer. Expert-parallel puts each chosen expert's whole read
/// on one rank while the others wait; tensor-parallel splits every touched expert over the group. Routing is taken as
/// uniform (the batch's tokens each pick top-k distinct experts per layer), sampled with a fixed seed so the same
/// inputs give the same figures. Tensor-parallel is chosen when it is at least <see cref="MinimumGain"/> faster;
/// otherwise expert-parallel stays, the default measured faster on CPUs (fewer, larger matmuls per rank).
/// Virtual GPUs share their host's memory, so both placements read the same bytes from it and the estimate ties:
/// CPU hosts keep expert-parallel.
/// </summary>
public static class ExpertPlacementAdvisor
{
    /// <summary>How much faster tensor-parallel must be estimated to replace the expert-parallel default.</summary>
    public const double MinimumGain = 0.05;

    private const int Trials = 256;
    private const int Seed = 20_261_201;

    /// <summary>The layout with the chosen (or forced) placement, and the estimate behind it.</summary>
    /// <param name="c">The model.</param>
    /// <param name="variant">Bytes per weight.</param>
    /// <param name="inventory">The GPUs; their names give the bandwidth unless <paramref name="bytesPerSecond"/> is set.</param>
    /// <param name="tp">Tensor-parallel size, or null for the planner's default.</param>
    /// <param name="pp">Pipeline stages, or null for the planner's default.</param>
    /// <param name="batch">Sequences per decode step.</param>
    /// <param name="bytesPerSecond">Bandwidth per GPU, overriding the name table.</param>
    /// <param name="forced">A placement the user asked for; it is planned (and its error thrown) whatever the estimate.</param>
    public static (PartitionPlan Layout, PlacementEstimate Estimate) Plan(
        HunyuanConfig c, ModelVariant variant, GpuInventory inventory, int? tp, int? pp, int batch, double? bytesPerSecond = null, ExpertPlacement? forced = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var (ep, epError) = TryPlan(c, variant, inventory, tp, pp, ExpertPlacement.ExpertParallel);
        var (tpl, tpError) = TryPlan(c, variant, inventory, tp, pp, ExpertPlacement.TensorParallel);
        var (bw, shared) = Bandwidth(inventory, bytesPerSecond);
        var epCost = ep is null ? ((double, double)?)null : Cost(ep, variant, batch, bw, shared);
        var tpCost = tpl is null ? ((double, double)?)null : Cost(tpl, variant, batch, bw, shared);

        PartitionPlan layout;
        string rule;
        if (forced is { } f)
        {
            layout = (f == ExpertPlacement.ExpertParallel ? ep : tpl) ?? throw new LayoutException((f == ExpertPlacement.ExpertParallel ? epError : tpError)!);
            rule = $"forced by --experts {Short(f)}";
        }
        else if (ep is null || tpl is null)
        {
            layout = ep ?? tpl ?? throw new LayoutException(epError!);
            rule = $"only {Short(layout.ExpertPlacement)} is a valid layout ({(ep is null ? epError : tpError)})";
        }
        else if (!c.IsMoe)
        {
            (layout, rule) = (ep, "a dense model: no routed experts to place");
        }
        else if (tpCost!.Value.Item1 < epCost!.Value.Item1 * (1 - MinimumGain))
        {
            (layout, rule) = (tpl, Inv($"estimated {tpCost.Value.Item1:F2} ms vs ep {epCost.Value.Item1:F2} ms per token; splitting each expert spreads its read over the {tpl.Tp} GPUs"));
        }
        else
        {
            (layout, rule) = (ep, shared
                ? Inv($"virtual GPUs share their host's memory, so both placements read the same bytes (ep {epCost.Value.Item1:F2} ms, tp {tpCost.Value.Item1:F2} ms per token); ep runs fewer, larger matmuls")
                : Inv($"tp is not {MinimumGain:P0} faster (ep {epCost.Value.Item1:F2} ms, tp {tpCost.Value.Item1:F2} ms per token)"));
        }

        var distinct = c.IsMoe ? c.NumExperts * (1 - Math.Pow(1 - ((double)c.MoeTopK / c.NumExperts), batch)) : 0;
        return (layout, new PlacementEstimate(layout.ExpertPlacement, rule, batch, distinct, bw, shared,
            epCost?.Item1, tpCost?.Item1, epCost?.Item2, tpCost?.Item2));
    }

    private static (PartitionPlan?, string?) TryPlan(HunyuanConfig c, ModelVariant v, GpuInventory inv, int? tp, int? pp, ExpertPlacement placement)
    {
        try
        {
            return (PartitionPlanner.Create(c, v, inv, new LayoutRequest(tp, pp, placement)), null);
        }
        catch (LayoutException ex)
        {
            return (null, ex.Message);
        }
    }

    private static (double BytesPerSecond, bool Shared) Bandwidth(GpuInventory inventory, double? bytesPerSecond)
    {
        if (bytesPerSecond is { } given)
        {
            return (given, false);
        }

        var known = inventory.Slots().Select(s => GpuBandwidth.ForName(s.Gpu.Name)).ToArray();
        return known.All(k => k is not null) ? (known.Min(k => k!.Value), false) : (GpuBandwidth.CpuHostBytesPerSecond, true);
    }

    // (ms per decode step, us of routed-expert reads per layer on the busiest rank), averaged over sampled routings.
    private static (double Ms, double ExpertUs) Cost(PartitionPlan plan, ModelVariant variant, int batch, double bw, bool shared)
    {
        var c = plan.Config;
        var ranks = plan.Ranks.Select(r => RankBytes.Of(c, variant, r)).ToArray();
        var nodes = plan.Ranks.Select(r => r.Node).Distinct().ToArray();
        var nodeOf = plan.Ranks.Select(r => Array.IndexOf(nodes, r.Node)).ToArray();
        var rng = new Random(Seed);
        var touched = new bool[Math.Max(1, c.NumExperts)];
        var order = Enumerable.Range(0, touched.Length).ToArray();
        var load = new double[ranks.Length];
        var routedLoad = new double[ranks.Length];
        double seconds = 0, expertSeconds = 0;
        for (var layer = 0; layer < c.NumHiddenLayers; layer++)
        {
            double layerSum = 0, expertSum = 0;
            for (var t = 0; t < Trials; t++)
            {
                Route(rng, touched, order, c.IsMoe ? c.MoeTopK : 0, batch);
                for (var r = 0; r < ranks.Length; r++)
                {
                    routedLoad[r] = ranks[r].Routed(layer, touched);
                    load[r] = ranks[r].Fixed(layer) + routedLoad[r];
                }

                layerSum += Busiest(load, nodeOf, shared) / bw;
                expertSum += Busiest(routedLoad, nodeOf, shared) / bw;
            }

            seconds += layerSum / Trials;
            expertSeconds += expertSum / Trials;
        }

        for (var r = 0; r < ranks.Length; r++)
        {
            load[r] = ranks[r].Head;
        }

        seconds += Busiest(load, nodeOf, shared) / bw;
        return (seconds * 1e3, expertSeconds / c.NumHiddenLayers * 1e6);
    }

    private static void Route(Random rng, bool[] touched, int[] order, int topK, int batch)
    {
        Array.Clear(touched);
        for (var token = 0; token < batch && topK > 0; token++)
        {
            for (var j = 0; j < topK; j++)
            {
                var pick = rng.Next(j, order.Length);
                (order[j], order[pick]) = (order[pick], order[j]);
                touched[order[j]] = true;
            }
        }
    }

    // Dedicated memory: the slowest rank sets the pace. Shared memory: each host streams all its ranks' bytes.
    private static double Busiest(double[] bytes, int[] nodeOf, bool shared)
    {
        if (!shared)
        {
            return bytes.Max();
        }

        var perNode = new double[nodeOf.Max() + 1];
        for (var r = 0; r < bytes.Length; r++)
        {
            perNode[nodeOf[r]] += bytes[r];
        }

        return perNode.Max();
    }

    private static string Short(ExpertPlacement p) => p == ExpertPlacement.ExpertParallel ? "ep" : "tp";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>What one rank reads per decode step: per layer its fixed slices and each routed expert's shard, and the lm_head share.</summary>
    private sealed class RankBytes
    {
        private readonly Dictionary<int, double> _fixed = [];
        private readonly Dictionary<int, Dictionary<int, double>> _routed = [];

        public double Head { get; private set; }

        public static RankBytes Of(HunyuanConfig c, ModelVariant variant, RankPlan rank)
        {
            var b = new RankBytes();
            foreach (var s in SlicedTensors.For(c, rank.Slice))
            {
                double bytes = variant.ResidentBytes(s);
                if (s.Spec.Role == TensorRole.RoutedExpertLinear)
                {
                    var perExpert = b._routed.TryGetValue(s.Spec.Layer, out var d) ? d : b._routed[s.Spec.Layer] = [];
                    perExpert[s.Spec.Expert] = perExpert.GetValueOrDefault(s.Spec.Expert) + bytes;
                }
                else if (s.Spec.Layer >= 0)
                {
                    b._fixed[s.Spec.Layer] = b._fixed.GetValueOrDefault(s.Spec.Layer) + bytes;
                }
                else if (s.Spec.Role == TensorRole.LmHead || (s.Spec.Role == TensorRole.Embedding && c.TieWordEmbeddings && rank.Slice.HasHead))
                {
                    // The embedding table itself is only looked up (a row per token); the head is read whole.
                    b.Head += bytes;
                }
            }

            return b;
        }

        public double Fixed(int layer) => _fixed.GetValueOrDefault(layer);

        public double Routed(int layer, bool[] touched)
        {
            if (!_routed.TryGetValue(layer, out var experts))
            {
                return 0;
            }

            double sum = 0;
            foreach (var (e, bytes) in experts)
            {
                if (touched[e])
                {
                    sum += bytes;
                }
            }

            return sum;
        }
    }
}
