using Hunyuan.Model.Config;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Model.Generation;

/// <summary>
/// A model that steps batches of sequences and keeps their KV caches between steps: one process, or ranks spread
/// over threads, processes and nodes. Returned logits are float32 and owned by the caller.
/// </summary>
public interface ICausalLm : IDisposable
{
    HunyuanConfig Config { get; }

    Task<torch.Tensor> StepAsync(IReadOnlyList<SequenceStep> batch, LogitsMode mode, CancellationToken cancellationToken = default);

    /// <summary>Frees a sequence's KV caches everywhere.</summary>
    Task ReleaseAsync(long sequenceId);
}
