using TorchSharp;

namespace Hunyuan.Model.Generation;

/// <summary>
/// Greedy output. The first new token comes from the prefill; <see cref="DecodeSteps"/> counts the cached decode
/// steps after it, which <see cref="DecodeTokensPerSecond"/> is measured over.
/// </summary>
public sealed record GreedyResult(IReadOnlyList<long> Ids, torch.Tensor? PromptLogits, TimeSpan Prefill, TimeSpan Decode, int DecodeSteps)
{
    public double DecodeTokensPerSecond => DecodeSteps > 0 && Decode > TimeSpan.Zero ? DecodeSteps / Decode.TotalSeconds : 0;
}
