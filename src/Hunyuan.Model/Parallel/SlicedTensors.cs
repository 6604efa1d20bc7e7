using Hunyuan.Model.Config;

namespace Hunyuan.Model.Parallel;

/// <summary>
/// Which checkpoint tensors, and which parts of them, a partition reads. The loader reads exactly this list, and the
/// planner counts bytes from it, so what is planned is what is read.
/// </summary>
public static class SlicedTensors
{
    public static IReadOnlyList<TensorSlice> For(HunyuanConfig c, PartitionSlice p)
    {
        var d = c.HeadDim;
        var experts = p.Experts.ToDictionary(e => e.Expert);
        var result = new List<TensorSlice>();
        foreach (var spec in ModelTensors.For(c))
        {
            var slice = SliceOf(spec);
            if (slice is not null)
            {
                result.Add(slice);
            }
        }

        return result;

        TensorSlice? SliceOf(TensorSpec s)
        {
            if (s.Layer < 0)
            {
                return s.Role switch
                {
                    TensorRole.Embedding when p.HasEmbedding || (p.HasHead && c.TieWordEmbeddings) => new(s, 0, p.VocabStart, p.VocabCount),
                    TensorRole.LmHead when p.HasHead => new(s, 0, p.VocabStart, p.VocabCount),
                    TensorRole.Norm when p.HasHead => new(s, -1, 0, 0),
                    _ => null,
                };
            }

            if (s.Layer < p.LayerStart || s.Layer >= p.LayerEnd)
            {
                return null;
            }

            var name = s.Name;
            if (name == TensorNames.QProj(s.Layer))
            {
                return new(s, 0, (long)p.HeadStart * d, (long)p.HeadCount * d);
            }

            if (name == TensorNames.KProj(s.Layer) || name == TensorNames.VProj(s.Layer))
            {
                return new(s, 0, (long)p.KvHeadStart * d, (long)p.KvHeadCount * d);
            }

            if (name == TensorNames.OProj(s.Layer))
            {
                return new(s, 1, (long)p.HeadStart * d, (long)p.HeadCount * d);
            }

            return s.Role switch
            {
                TensorRole.SharedExpertLinear or TensorRole.DenseMlpLinear when p.MlpCount == 0 => null,
                TensorRole.SharedExpertLinear or TensorRole.DenseMlpLinear => new(s, DownIsColumns(s), p.MlpStart, p.MlpCount),
                TensorRole.RoutedExpertLinear => experts.TryGetValue(s.Expert, out var shard) ? new(s, DownIsColumns(s), shard.Start, shard.Count) : null,
                _ => new(s, -1, 0, 0),
            };
        }

        static int DownIsColumns(TensorSpec s) => s.Name.EndsWith(".down_proj.weight", StringComparison.Ordinal) ? 1 : 0;
    }
}
