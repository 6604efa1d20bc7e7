using System.Globalization;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Planning;

/// <summary>
/// Will it fit? Per rank: usable = GPU memory x utilization; minus its weights (variant bytes of its slices), minus a
/// reserve for activations and workspace; the rest holds KV at its layers' and KV heads' bytes per token. It fits when
/// every rank's weights and reserve fit and the KV budget holds at least one sequence of max_model_len tokens.
/// </summary>
public static class MemoryPlanner
{
    public static MemoryPlan Plan(PartitionPlan layout, long gpuMemoryBytes, MemoryPlanOptions options)
    {
        options.Validate();
        var c = layout.Config;
        var maxLen = options.MaxModelLen ?? c.MaxPositionEmbeddings;
        var usable = (long)(gpuMemoryBytes * options.GpuMemoryUtilization);
        var kvElement = layout.Variant.KvBytesPerElement();
        var ranks = layout.Ranks.Select(r =>
        {
            var reserve = ReserveBytes(c, layout, r, options);
            var kvPerToken = c.KvBytesPerToken(r.Slice.LayerCount, r.Slice.KvHeadCount, kvElement);
            return new RankMemory(r, usable, r.WeightBytes, reserve, kvPerToken, usable - r.WeightBytes - reserve);
        }).ToArray();

        var worst = ranks.MinBy(r => r.KvBudgetBytes)!;
        var fits = worst.KvBudgetBytes > 0 && worst.MaxKvTokens >= maxLen;
        var reason = fits
            ? Inv($"fits: {Gb(worst.WeightBytes)} of weights + {Gb(worst.ReserveBytes)} reserve per GPU leave {Gb(worst.KvBudgetBytes)} for KV, {worst.MaxKvTokens:N0} tokens (>= max_model_len {maxLen:N0})")
            : worst.KvBudgetBytes <= 0
                ? Inv($"does not fit: rank {worst.Rank.Rank} needs {Gb(worst.WeightBytes)} of weights + {Gb(worst.ReserveBytes)} reserve, more than the {Gb(usable)} usable per GPU ({Gb(gpuMemoryBytes)} x {options.GpuMemoryUtilization:0.##})")
                : Inv($"does not fit: the KV budget holds {worst.MaxKvTokens:N0} tokens, less than one sequence of max_model_len {maxLen:N0}; lower --max-model-len or add GPUs");
        return new MemoryPlan(layout, gpuMemoryBytes, options, maxLen, ranks, fits, reason);
    }

    /// <summary>
    /// The plan against what the GPUs have free now: the plan sizes against total memory, but another process (or a
    /// previous deployment not yet gone) may hold some. Each GPU's ranks need their weights, reserve and KV pool
    /// (<paramref name="kvTokensPerRank"/> tokens at the rank's bytes per token). Returns null when every GPU with a
    /// live figure has room, else one line naming the node, the GPU, what its ranks need and what is free.
    /// GPUs without a figure (virtual GPUs, an older agent) are not checked.
    /// </summary>
    public static string? CheckLiveFree(MemoryPlan plan, IReadOnlyList<LiveGpuMemory> live, long kvTokensPerRank)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(live);
        foreach (var gpu in plan.Ranks.GroupBy(r => (r.Rank.Node, r.Rank.Gpu)).OrderBy(g => g.Key.Node, StringComparer.Ordinal).ThenBy(g => g.Key.Gpu))
        {
            var measured = live.FirstOrDefault(l => l.Node == gpu.Key.Node && l.Gpu == gpu.Key.Gpu);
            if (measured is null)
            {
                continue;
            }

            var weights = gpu.Sum(r => r.WeightBytes);
            var reserve = gpu.Sum(r => r.ReserveBytes);
            var kv = gpu.Sum(r => r.KvBytesPerToken * kvTokensPerRank);
            var need = weights + reserve + kv;
            if (need > measured.FreeBytes)
            {
                var ranks = string.Join(", ", gpu.Select(r => r.Rank.Rank));
                return Inv($"does not fit now: node {gpu.Key.Node} GPU {gpu.Key.Gpu} has {Gb(measured.FreeBytes)} free, rank{(gpu.Count() == 1 ? "" : "s")} {ranks} need {Gb(need)} ({Gb(weights)} of weights + {Gb(reserve)} reserve + {Gb(kv)} of KV); free that GPU, or plan for less (--gpu-memory-utilization, --max-model-len)");
            }
        }

        return null;
    }

    /// <summary>
    /// Activations of one step at the largest batch: about a dozen hidden-sized rows per token (residual, norms,
    /// attention in and out, partial sums), the rank's MLP/expert intermediates, and the last positions' logits.
    /// </summary>
    public static long ReserveBytes(HunyuanConfig c, PartitionPlan layout, RankPlan r, MemoryPlanOptions o)
    {
        const long activationBytes = 4;    // float32 on CPU, and a safe bound for bf16 with float32 accumulators
        long tokens = o.MaxBatchedTokens;
        var hiddenRows = tokens * 12 * c.HiddenSize * activationBytes;
        var mlpWidth = r.Slice.MlpCount + r.Slice.Experts.Sum(e => e.Count);
        var intermediates = tokens * 3 * Math.Max(mlpWidth, c.IntermediateSize / layout.Tp) * activationBytes;
        var logits = r.Slice.HasHead ? (long)o.MaxNumSeqs * c.VocabSize * 4 : 0;
        return o.RuntimeOverheadBytes + hiddenRows + intermediates + logits;
    }

    /// <summary>Parses "96GiB", "80 GB", "512MiB", "1.5TiB" or a plain byte count.</summary>
    public static bool TryParseSize(string? text, out long bytes) => Hunyuan.Shared.ByteSize.TryParse(text, out bytes);

    public static string Gb(long bytes) => (bytes / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " GB";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
