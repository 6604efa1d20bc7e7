using TorchSharp;

namespace Hunyuan.Engine.Collectives;

/// <summary>
/// Point-to-point pipeline traffic from one stage's rank to the next stage's rank of the same tensor-parallel index:
/// the hidden states [rows, hidden] of a step. Calls block the rank's thread.
/// </summary>
public interface IStageLink
{
    /// <summary>Sends a copy of <paramref name="hidden"/>; the caller keeps its tensor.</summary>
    void Send(long stepId, torch.Tensor hidden);

    /// <summary>Tells the next stage that step <paramref name="stepId"/> failed here, so it fails the step instead of waiting.</summary>
    void SendFailure(long stepId, string reason);

    /// <summary>The hidden states of step <paramref name="stepId"/>, owned by the caller.</summary>
    torch.Tensor Receive(long stepId);
}
