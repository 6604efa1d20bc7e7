using TorchSharp;

namespace Hunyuan.Model.Parallel;

/// <summary>
/// The collectives a tensor-parallel group of ranks needs inside a layer. Calls block the rank's compute thread until
/// every member has contributed (TorchSharp's dispose scopes are per thread, so rank compute stays on one thread).
/// Implementations: in-process (ranks of one node, one process), over the network (the Orleans runtime), and NCCL
/// on real GPUs.
/// </summary>
public interface ITensorParallelGroup
{
    int Size { get; }

    /// <summary>This member's index in the group, 0..Size-1.</summary>
    int Index { get; }

    /// <summary>The element-wise sum of every member's tensor, summed in member order so all members get identical bits.</summary>
    torch.Tensor AllReduceSum(torch.Tensor local);

    /// <summary>Every member's tensor concatenated along <paramref name="dimension"/> in member order.</summary>
    torch.Tensor AllGather(torch.Tensor local, long dimension);
}
