using Hunyuan.Model.Devices;
using Hunyuan.Model.Parallel;
using TorchSharp;

namespace Hunyuan.Engine.Collectives;

/// <summary>
/// Collectives for the ranks of one tensor-parallel group that live in one process, each on its own thread. Every
/// operation is a rendezvous: the last member to arrive computes the result in member order (so every member gets the
/// same bits) and each member leaves with its own copy. Waits are bounded: a member that does not arrive within the
/// timeout makes the others fail with an error naming the operation, instead of hanging. Members may live on different
/// devices: the result is computed on the first member's device (the others' parts copied there, device to device, by
/// libtorch; nothing is staged through managed memory) and each member receives its copy on its own device.
/// </summary>
public sealed class InProcessCollectiveHub : ICollectiveGroup
{
    private readonly object _gate = new();
    private readonly torch.Tensor?[] _contributions;
    private readonly TimeSpan _timeout;
    private int _arrived;
    private long _generation;
    private torch.Tensor? _result;
    private string? _failure;

    public InProcessCollectiveHub(int size, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _contributions = new torch.Tensor?[size];
        _timeout = timeout;
    }

    public int Size { get; }

    public ITensorParallelGroup Member(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return new MemberView(this, index);
    }

    /// <summary>Wakes every waiting member with an error (a rank failed; the step is abandoned).</summary>
    public void Abort(string reason)
    {
        lock (_gate)
        {
            _failure = reason;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Clears an abort or timeout so the group can run again (after the deployment abandoned the failed step).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _failure = null;
            _arrived = 0;
            Array.Clear(_contributions);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _result?.Dispose();
            _result = null;
        }
    }

    private torch.Tensor Rendezvous(int index, torch.Tensor local, string operation, Func<torch.Tensor[], torch.Tensor> combine)
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException($"{operation} on member {index}: the group was aborted: {_failure}");
            }

            var generation = _generation;
            _contributions[index] = local;
            if (++_arrived == Size)
            {
                _result?.Dispose();
                _result = combine(_contributions.Select(t => t!).ToArray()).DetachFromDisposeScope();
                Array.Clear(_contributions);
                _arrived = 0;
                _generation++;
                Monitor.PulseAll(_gate);
            }
            else
            {
                var deadline = DateTime.UtcNow + _timeout;
                while (_generation == generation)
                {
                    if (_failure is not null)
                    {
                        throw new InvalidOperationException($"{operation} on member {index}: the group was aborted: {_failure}");
                    }

                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        _failure = $"{operation} timed out after {_timeout.TotalSeconds:F0} s waiting for {Size - _arrived} of {Size} members";
                        Monitor.PulseAll(_gate);
                        throw new TimeoutException($"member {index}: {_failure}");
                    }

                    Monitor.Wait(_gate, left);
                }
            }

            // Same device: an independent clone, so no member's in-place op reaches another's copy; else the copy itself.
            return TensorDevices.SameDevice(_result!, local.device) ? _result!.clone() : _result!.to(local.device);
        }
    }

    private sealed class MemberView(InProcessCollectiveHub hub, int index) : ITensorParallelGroup
    {
        public int Size => hub.Size;

        public int Index => index;

        // Summed in member order on member 0's device, so every member gets the same bits wherever it lives.
        public torch.Tensor AllReduceSum(torch.Tensor local) => hub.Rendezvous(index, local, "all-reduce", parts =>
        {
            var acc = parts[0].clone();
            for (var i = 1; i < parts.Length; i++)
            {
                using var part = TensorDevices.On(parts[i], acc.device);
                acc.add_(part);
            }

            return acc;
        });

        public torch.Tensor AllGather(torch.Tensor local, long dimension) =>
            hub.Rendezvous(index, local, "all-gather", parts =>
            {
                var onFirst = parts.Select(p => TensorDevices.On(p, parts[0].device)).ToArray();
                try
                {
                    return torch.cat(onFirst, dimension);
                }
                finally
                {
                    foreach (var p in onFirst)
                    {
                        p.Dispose();
                    }
                }
            });
    }
}
