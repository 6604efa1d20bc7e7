using System.Collections.Concurrent;
using TorchSharp;

namespace Hunyuan.Engine.Collectives;

/// <summary>A stage link between two rank threads of one process: a bounded queue of detached tensors.</summary>
public sealed class InProcessStageLink(TimeSpan timeout) : IStageLink, IDisposable
{
    private readonly BlockingCollection<(long Step, torch.Tensor Hidden)> _queue = new(boundedCapacity: 4);
    private CancellationTokenSource _abort = new();

    public void Send(long stepId, torch.Tensor hidden)
    {
        var copy = hidden.clone().DetachFromDisposeScope();
        if (!_queue.TryAdd((stepId, copy), timeout))
        {
            copy.Dispose();
            throw new TimeoutException($"pipeline send of step {stepId} timed out after {timeout.TotalSeconds:F0} s: the next stage is not taking input");
        }
    }

    /// <summary>In one process the rank set aborts every link of a failed step itself.</summary>
    public void SendFailure(long stepId, string reason) => Abort();

    public torch.Tensor Receive(long stepId)
    {
        (long Step, torch.Tensor Hidden) item;
        try
        {
            if (!_queue.TryTake(out item, (int)timeout.TotalMilliseconds, _abort.Token))
            {
                throw new TimeoutException($"pipeline receive of step {stepId} timed out after {timeout.TotalSeconds:F0} s: the previous stage sent nothing");
            }
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"pipeline receive of step {stepId} abandoned: the step failed on another rank");
        }

        if (item.Step != stepId)
        {
            item.Hidden.Dispose();
            throw new InvalidOperationException($"pipeline expected step {stepId}, received step {item.Step}");
        }

        return item.Hidden;
    }

    /// <summary>Wakes a rank waiting to receive (the step failed elsewhere).</summary>
    public void Abort() => _abort.Cancel();

    /// <summary>Drops anything sent but not received and clears an abort (after an abandoned step).</summary>
    public void Drain()
    {
        if (_abort.IsCancellationRequested)
        {
            _abort.Dispose();
            _abort = new CancellationTokenSource();
        }

        while (_queue.TryTake(out var item))
        {
            item.Hidden.Dispose();
        }
    }

    public void Dispose()
    {
        Drain();
        _queue.Dispose();
        _abort.Dispose();
    }
}
