using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Pre-norm decoder layer with two residuals (hunyuan-spec §2.2). Exactly one of Moe and Dense is set. In a
/// tensor-parallel group each member computes its share of attention and of the MLP/MoE, summed across the group
/// before each residual add, so every member carries the same residual stream.
/// </summary>
public sealed class DecoderLayer(int index, torch.Tensor inputNorm, AttentionWeights attention, torch.Tensor postAttentionNorm, MoeWeights? moe, MlpWeights? dense) : IDisposable
{
    public int Index { get; } = index;

    public torch.Tensor InputNorm { get; } = inputNorm;

    public AttentionWeights Attention { get; } = attention;

    public torch.Tensor PostAttentionNorm { get; } = postAttentionNorm;

    public MoeWeights? Moe { get; } = moe;

    public MlpWeights? Dense { get; } = dense;

    public long ResidentBytes => (InputNorm.NumberOfElements * InputNorm.ElementSize) + Attention.ResidentBytes
        + (PostAttentionNorm.NumberOfElements * PostAttentionNorm.ElementSize) + (Moe?.ResidentBytes ?? 0) + (Dense?.ResidentBytes ?? 0);

    /// <param name="decodeBatch">The step's batched-decode indices when every segment is one decode token on a shared pool, else null.</param>
    internal torch.Tensor Forward(torch.Tensor x, torch.Tensor cos, torch.Tensor sin, IReadOnlyList<SequenceSegment> segments, PagedDecodeBatch? decodeBatch, HunyuanConfig config, ITensorParallelGroup group)
    {
        torch.Tensor afterAttention;
        using (var h = RmsNorm.Apply(x, InputNorm, config.RmsNormEps))
        using (var partial = Attention.Forward(h, cos, sin, segments, decodeBatch, config))
        {
            afterAttention = AddSummed(x, partial, group);
        }

        using (afterAttention)
        using (var h2 = RmsNorm.Apply(afterAttention, PostAttentionNorm, config.RmsNormEps))
        using (var partial = Moe is not null ? Moe.Forward(h2) : Dense!.Forward(h2))
        {
            return AddSummed(afterAttention, partial, group);
        }
    }

    // residual + the group's sum of the partial outputs; a group of one adds its partial directly (no alias op).
    private static torch.Tensor AddSummed(torch.Tensor residual, torch.Tensor partial, ITensorParallelGroup group)
    {
        if (group.Size == 1)
        {
            return residual + partial;
        }

        using var summed = group.AllReduceSum(partial);
        return residual + summed;
    }

    public void Dispose()
    {
        InputNorm.Dispose();
        Attention.Dispose();
        PostAttentionNorm.Dispose();
        Moe?.Dispose();
        Dense?.Dispose();
    }
}
