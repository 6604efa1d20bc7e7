using System.Collections.Concurrent;
using TorchSharp;

namespace Hunyuan.Engine.Collectives;

/// <summary>A stage link between two rank threads of one process: a bounded queue of detached tensors.</summary>
public sealed class InProcessStageLink(TimeSpan timeout) : IStageLink, IDisposable
{
    private readonly BlockingCollection<(long Step, torch.Tensor Hidden)> _queue = new(boundedCapacity: 4);

    public void Send(long stepId, torch.Tensor hidden)
    {
        var copy = hidden.clone().DetachFromDisposeScope();
        if (!_queue.TryAdd((stepId, copy), timeout))
        {
            copy.Dispose();
            throw new TimeoutException($"pipeline send of step {stepId} timed out after {timeout.TotalSeconds:F0} s: the next stage is not taking input");
        }
    }

    public torch.Tensor Receive(long stepId)
    {
        if (!_queue.TryTake(out var item, timeout))
        {
            throw new TimeoutException($"pipeline receive of step {stepId} timed out after {timeout.TotalSeconds:F0} s: the previous stage sent nothing");
        }

        if (item.Step != stepId)
        {
            item.Hidden.Dispose();
            throw new InvalidOperationException($"pipeline expected step {stepId}, received step {item.Step}");
        }

        return item.Hidden;
    }

    public void Dispose()
    {
        while (_queue.TryTake(out var item))
        {
            item.Hidden.Dispose();
        }

        _queue.Dispose();
    }
}
