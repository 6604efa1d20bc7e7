using Hunyuan.Model.Config;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Model.Generation;

/// <summary>A whole model in this process, stepped on the calling thread.</summary>
public sealed class LocalCausalLm(HunyuanModel model, bool ownsModel = true, KvBlockPool? pool = null) : ICausalLm
{
    private readonly Dictionary<long, IKvCache> _caches = [];

    public HunyuanConfig Config => model.Config;

    public HunyuanModel Model => model;

    public Task<torch.Tensor> StepAsync(IReadOnlyList<SequenceStep> batch, LogitsMode mode, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var segments = SequenceCaches.Segments(_caches, batch, model.NewCache, "this process", pool);
        using var ids = torch.tensor(batch.SelectMany(s => s.TokenIds).ToArray(), dtype: torch.ScalarType.Int64, device: model.Device.Torch);
        return Task.FromResult(model.Forward(ids, segments, mode));
    }

    public Task ReleaseAsync(long sequenceId)
    {
        if (_caches.Remove(sequenceId, out var cache))
        {
            cache.Dispose();
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var c in _caches.Values)
        {
            c.Dispose();
        }

        _caches.Clear();
        if (ownsModel)
        {
            pool?.Dispose();
            model.Dispose();
        }
    }
}
