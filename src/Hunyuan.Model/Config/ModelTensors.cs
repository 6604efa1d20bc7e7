namespace Hunyuan.Model.Config;

/// <summary>The full list of weight tensors a config implies, in checkpoint order (hunyuan-spec §3-4).</summary>
public static class ModelTensors
{
    public static IReadOnlyList<TensorSpec> For(HunyuanConfig c)
    {
        long h = c.HiddenSize, d = c.HeadDim, i = c.IntermediateSize;
        var list = new List<TensorSpec>
        {
            new(TensorNames.Embedding, [c.VocabSize, h], TensorRole.Embedding, -1),
        };
        for (var l = 0; l < c.NumHiddenLayers; l++)
        {
            list.Add(new(TensorNames.InputNorm(l), [h], TensorRole.Norm, l));
            list.Add(new(TensorNames.QProj(l), [c.NumAttentionHeads * d, h], TensorRole.AttentionLinear, l));
            if (c.IsSelfLayer(l))
            {
                list.Add(new(TensorNames.KProj(l), [c.NumKeyValueHeads * d, h], TensorRole.AttentionLinear, l));
                list.Add(new(TensorNames.VProj(l), [c.NumKeyValueHeads * d, h], TensorRole.AttentionLinear, l));
            }

            list.Add(new(TensorNames.OProj(l), [h, c.NumAttentionHeads * d], TensorRole.AttentionLinear, l));
            if (c.UseQkNorm)
            {
                list.Add(new(TensorNames.QueryNorm(l), [d], TensorRole.Norm, l));
                list.Add(new(TensorNames.KeyNorm(l), [d], TensorRole.Norm, l));
            }

            list.Add(new(TensorNames.PostAttentionNorm(l), [h], TensorRole.Norm, l));
            if (c.IsMoe)
            {
                list.Add(new(TensorNames.Router(l), [c.NumExperts, h], TensorRole.Router, l));
                if (c.HasSharedExpert)
                {
                    long s = c.SharedIntermediateSize;
                    list.Add(new(TensorNames.SharedMlp(l, "gate_proj"), [s, h], TensorRole.SharedExpertLinear, l));
                    list.Add(new(TensorNames.SharedMlp(l, "up_proj"), [s, h], TensorRole.SharedExpertLinear, l));
                    list.Add(new(TensorNames.SharedMlp(l, "down_proj"), [h, s], TensorRole.SharedExpertLinear, l));
                }

                for (var e = 0; e < c.NumExperts; e++)
                {
                    list.Add(new(TensorNames.Expert(l, e, "gate_proj"), [i, h], TensorRole.RoutedExpertLinear, l, e));
                    list.Add(new(TensorNames.Expert(l, e, "up_proj"), [i, h], TensorRole.RoutedExpertLinear, l, e));
                    list.Add(new(TensorNames.Expert(l, e, "down_proj"), [h, i], TensorRole.RoutedExpertLinear, l, e));
                }
            }
            else
            {
                list.Add(new(TensorNames.DenseMlp(l, "gate_proj"), [i, h], TensorRole.DenseMlpLinear, l));
                list.Add(new(TensorNames.DenseMlp(l, "up_proj"), [i, h], TensorRole.DenseMlpLinear, l));
                list.Add(new(TensorNames.DenseMlp(l, "down_proj"), [h, i], TensorRole.DenseMlpLinear, l));
            }
        }

        list.Add(new(TensorNames.FinalNorm, [h], TensorRole.Norm, -1));
        if (!c.TieWordEmbeddings)
        {
            list.Add(new(TensorNames.LmHead, [c.VocabSize, h], TensorRole.LmHead, -1));
        }

        return list;
    }

    public static long ParameterCount(HunyuanConfig c) => For(c).Sum(t => t.ElementCount);

    /// <summary>Parameters one token touches: everything but the routed experts it is not sent to.</summary>
    public static long ActiveParameterCount(HunyuanConfig c) => For(c).Sum(t =>
        t.Role == TensorRole.RoutedExpertLinear ? t.ElementCount * c.MoeTopK / c.NumExperts : t.ElementCount);
}
