using TorchSharp;

namespace Hunyuan.Model.Parallel;

/// <summary>
/// The collectives a tensor-parallel group of ranks needs inside a layer. Calls block the rank's compute thread until
/// every member has contributed (TorchSharp's dispose scopes are per thread, so rank compute stays on one thread).
/// Implementations: in-process (ranks of one node, one process), over the data plane's TCP links (members on
/// different nodes), and NCCL on real GPUs.
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

    /// <summary>
    /// Called on the rank's thread before each step of the data plane. A group whose traffic crosses the network tags it
    /// by step, so a step abandoned half-way on one member can never pair its collectives with the next step's.
    /// </summary>
    void BeginStep(long stepId)
    {
    }

    /// <summary>
    /// Called on the rank's thread when a step failed on this member during its forward pass: a group whose members
    /// wait on other nodes tells them at once, so they fail the step instead of waiting for parts that never come.
    /// </summary>
    void FailStep(long stepId, string reason)
    {
    }
}
