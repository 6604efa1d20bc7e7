using System.Globalization;
using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Partitioning;

/// <summary>
/// Turns a config, a variant, a GPU inventory and an optional explicit tp/pp into a <see cref="PartitionPlan"/>, or
/// refuses with the reason. Defaults: tensor parallel inside a node (the widest valid group that fits a node), pipeline
/// stages across nodes; bf16 on 2 x 8 GPUs is TP8 x PP2, fp8/int8 on 1 x 8 is TP8.
/// </summary>
public static class PartitionPlanner
{
    public static PartitionPlan Create(HunyuanConfig c, ModelVariant variant, GpuInventory inventory, LayoutRequest request)
    {
        if (inventory.TotalGpus == 0)
        {
            throw new LayoutException("the inventory has no GPUs");
        }

        var claGroups = c.CachedLayerCount;
        var gpusPerNode = inventory.Nodes.Min(n => n.Gpus.Count);
        var (tp, pp) = ChooseSizes(c, inventory, request, claGroups, gpusPerNode);
        Validate(c, tp, pp, claGroups, request.Experts, inventory.TotalGpus);

        var notes = new List<string>();
        var slots = inventory.Slots().Take(tp * pp).ToArray();
        var ranks = new List<RankPlan>(tp * pp);
        for (var stage = 0; stage < pp; stage++)
        {
            var (layerStart, layerCount) = StageLayers(c, claGroups, pp, stage);
            var groupNodes = slots.Skip(stage * tp).Take(tp).Select(s => s.Node.Name).Distinct().ToArray();
            if (groupNodes.Length > 1)
            {
                notes.Add($"stage {stage}: its TP group spans nodes {string.Join(", ", groupNodes)}; every layer's all-reduce crosses the network (slow path)");
            }

            for (var i = 0; i < tp; i++)
            {
                var slice = Slice(c, tp, i, request.Experts, layerStart, layerCount, stage == 0, stage == pp - 1);
                var (node, gpu) = slots[(stage * tp) + i];
                var bytes = SlicedTensors.For(c, slice).Sum(s => variant.ResidentBytes(s));
                ranks.Add(new RankPlan((stage * tp) + i, node.Name, gpu.Index, stage, i, slice, bytes));
            }
        }

        if (inventory.TotalGpus > tp * pp)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{inventory.TotalGpus - (tp * pp)} of {inventory.TotalGpus} GPUs stay unused by this layout"));
        }

        return new PartitionPlan(c, variant, tp, pp, request.Experts, ranks, notes);
    }

    private static (int Tp, int Pp) ChooseSizes(HunyuanConfig c, GpuInventory inv, LayoutRequest req, int claGroups, int gpusPerNode)
    {
        var total = inv.TotalGpus;
        if (req.Tp is { } t && req.Pp is { } p)
        {
            return (t, p);
        }

        if (req.Tp is { } tpOnly)
        {
            return (tpOnly, Math.Max(1, Math.Min(claGroups, total / Math.Max(1, tpOnly))));
        }

        var budget = req.Pp is { } ppOnly ? Math.Max(1, total / Math.Max(1, ppOnly)) : gpusPerNode;
        var tp = Enumerable.Range(1, Math.Max(1, budget)).Reverse().FirstOrDefault(x => WhyInvalidTp(c, x, req.Experts) is null, 1);
        var pp = req.Pp ?? Math.Max(1, Math.Min(claGroups, total / tp));
        return (tp, pp);
    }

    private static void Validate(HunyuanConfig c, int tp, int pp, int claGroups, ExpertPlacement experts, int totalGpus)
    {
        if (tp < 1 || pp < 1)
        {
            throw new LayoutException($"tp and pp must be at least 1 (got tp {tp}, pp {pp})");
        }

        if (WhyInvalidTp(c, tp, experts) is { } reason)
        {
            throw new LayoutException(reason);
        }

        if (pp > claGroups)
        {
            throw new LayoutException(c.EffectiveClaFactor > 1
                ? $"pp {pp} would split a CLA pair: stages must start on a self layer, and the {c.NumHiddenLayers} layers have only {claGroups} (every {c.EffectiveClaFactor}th)"
                : $"pp {pp} is more stages than the {c.NumHiddenLayers} layers");
        }

        if (tp * pp > totalGpus)
        {
            throw new LayoutException($"tp {tp} x pp {pp} needs {tp * pp} GPUs; the inventory has {totalGpus}");
        }
    }

    private static string? WhyInvalidTp(HunyuanConfig c, int tp, ExpertPlacement experts)
    {
        if (tp < 1)
        {
            return $"tp must be at least 1 (got {tp})";
        }

        if (c.NumAttentionHeads % tp != 0)
        {
            return $"tp {tp} does not divide the {c.NumAttentionHeads} attention heads";
        }

        var kv = c.NumKeyValueHeads;
        if (tp > kv ? tp % kv != 0 : kv % tp != 0)
        {
            return $"tp {tp} must divide the {kv} KV heads or be a multiple of them (to replicate each KV head)";
        }

        if (c.IsMoe && experts == ExpertPlacement.ExpertParallel && tp > c.NumExperts)
        {
            if (tp % c.NumExperts != 0)
            {
                return $"expert-parallel tp {tp} must divide the {c.NumExperts} experts or be a multiple of them";
            }

            if (c.IntermediateSize % (tp / c.NumExperts) != 0)
            {
                return $"expert-parallel tp {tp} splits each expert {tp / c.NumExperts} ways, which does not divide intermediate_size {c.IntermediateSize}";
            }
        }

        if (c.IsMoe && experts == ExpertPlacement.TensorParallel && c.IntermediateSize < tp)
        {
            return $"tensor-parallel experts need intermediate_size {c.IntermediateSize} >= tp {tp}";
        }

        return null;
    }

    // Whole CLA groups per stage, spread as evenly as they go, so every stage starts on a self layer.
    private static (int Start, int Count) StageLayers(HunyuanConfig c, int claGroups, int pp, int stage)
    {
        var f = c.EffectiveClaFactor;
        var g0 = claGroups * stage / pp;
        var g1 = claGroups * (stage + 1) / pp;
        var start = g0 * f;
        var end = Math.Min(c.NumHiddenLayers, g1 * f);
        return (start, end - start);
    }

    private static PartitionSlice Slice(HunyuanConfig c, int tp, int i, ExpertPlacement placement, int layerStart, int layerCount, bool first, bool last)
    {
        var headCount = c.NumAttentionHeads / tp;
        var headStart = i * headCount;
        int kvStart, kvCount;
        if (tp >= c.NumKeyValueHeads)
        {
            kvCount = 1;
            kvStart = headStart / c.QueriesPerKvHead;
        }
        else
        {
            kvCount = c.NumKeyValueHeads / tp;
            kvStart = i * kvCount;
        }

        var mlpWidth = c.IsMoe ? (c.HasSharedExpert ? c.SharedIntermediateSize : 0) : c.IntermediateSize;
        var (mlpStart, mlpCount) = Balanced(mlpWidth, tp, i);
        var (vocabStart, vocabCount) = Balanced(c.VocabSize, tp, i);
        return new PartitionSlice
        {
            LayerStart = layerStart,
            LayerCount = layerCount,
            HeadStart = headStart,
            HeadCount = headCount,
            KvHeadStart = kvStart,
            KvHeadCount = kvCount,
            Experts = c.IsMoe ? Experts(c, tp, i, placement) : [],
            MlpStart = mlpStart,
            MlpCount = mlpCount,
            VocabStart = vocabStart,
            VocabCount = vocabCount,
            HasEmbedding = first,
            HasHead = last,
        };
    }

    private static ExpertShard[] Experts(HunyuanConfig c, int tp, int i, ExpertPlacement placement)
    {
        long inter = c.IntermediateSize;
        if (placement == ExpertPlacement.TensorParallel)
        {
            var (s, n) = Balanced(inter, tp, i);
            return Enumerable.Range(0, c.NumExperts).Select(e => new ExpertShard(e, s, n)).ToArray();
        }

        if (tp <= c.NumExperts)
        {
            var (e0, count) = Balanced(c.NumExperts, tp, i);
            return Enumerable.Range((int)e0, (int)count).Select(e => new ExpertShard(e, 0, inter)).ToArray();
        }

        var ranksPerExpert = tp / c.NumExperts;
        var (start, rows) = Balanced(inter, ranksPerExpert, i % ranksPerExpert);
        return [new ExpertShard(i / ranksPerExpert, start, rows)];
    }

    private static (long Start, long Count) Balanced(long total, int parts, int index)
    {
        var start = total * index / parts;
        var end = total * (index + 1) / parts;
        return (start, end - start);
    }
}
