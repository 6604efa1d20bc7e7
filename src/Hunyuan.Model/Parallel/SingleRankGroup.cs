using TorchSharp;

namespace Hunyuan.Model.Parallel;

/// <summary>The group of one: a whole model in one rank. Both collectives return the input.</summary>
public sealed class SingleRankGroup : ITensorParallelGroup
{
    public static SingleRankGroup Instance { get; } = new();

    public int Size => 1;

    public int Index => 0;

    public torch.Tensor AllReduceSum(torch.Tensor local) => local.alias();

    public torch.Tensor AllGather(torch.Tensor local, long dimension) => local.alias();
}
