using Hunyuan.Engine.Collectives.Nccl;
using Hunyuan.Model.Parallel;
using TorchSharp;

namespace Hunyuan.Engine.Collectives;

/// <summary>
/// A tensor-parallel group over NCCL: the node's agent owns every GPU of the group, so one ncclCommInitAll makes all
/// the communicators, and member i's rank thread calls collectives on communicator i with its tensors' device pointers
/// on the default stream. Each call is synchronised with its device under a deadline while a watchdog polls
/// ncclCommGetAsyncError: a timeout or an asynchronous error aborts every communicator (ncclCommAbort), which releases
/// the members stuck in the collective, and the step fails as it does with the in-process hub. <see cref="Reset"/>
/// makes fresh communicators. NCCL's ring/tree results are bitwise identical on every member, though not summed in
/// member order as the hub does.
/// </summary>
public sealed class NcclCollectiveGroup : ICollectiveGroup
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly NcclLibrary _nccl;
    private readonly int[] _gpus;
    private readonly TimeSpan _timeout;
    private readonly bool _synchronize;
    private readonly long[] _deadlines;
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Timer _watchdog;
    private IntPtr[] _comms;
    private volatile string? _failure;

    /// <param name="nccl">The loaded library.</param>
    /// <param name="gpus">Member i's CUDA device ordinal.</param>
    /// <param name="timeout">How long one collective may take before the group is aborted.</param>
    /// <param name="synchronizeEachCollective">
    /// Wait for each collective on the host (what makes the deadline enforceable). False lets the host run ahead and only
    /// checks NCCL's error state after each call; a hung peer then hangs the step.
    /// </param>
    public NcclCollectiveGroup(NcclLibrary nccl, IReadOnlyList<int> gpus, TimeSpan timeout, bool synchronizeEachCollective = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gpus.Count, 1);
        _nccl = nccl;
        _gpus = gpus.ToArray();
        _timeout = timeout;
        _synchronize = synchronizeEachCollective;
        _deadlines = new long[_gpus.Length];
        _comms = nccl.CommInitAll(_gpus);
        _watchdog = new Timer(_ => Poll(), null, PollInterval, PollInterval);
    }

    public int Size => _gpus.Length;

    public ITensorParallelGroup Member(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return new MemberView(this, index);
    }

    public void Abort(string reason)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = reason;
            foreach (var comm in _comms)
            {
                _nccl.CommAbort(comm);
            }

            _comms = [];
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Reset()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_failure is null)
            {
                return;
            }

            Array.Clear(_deadlines);
            _comms = _nccl.CommInitAll(_gpus);
            _failure = null;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// All-reduce for every member from one thread (a bench or a single-threaded driver): the calls are bracketed by
    /// ncclGroupStart/End, without which the first call would wait for peers that are never launched.
    /// </summary>
    public IReadOnlyList<torch.Tensor> AllReduceSumAll(IReadOnlyList<torch.Tensor> locals)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(locals.Count, Size);
        var sources = locals.Select((t, i) => Checked(i, t, "all-reduce").contiguous()).ToArray();
        var results = sources.Select(s => torch.empty_like(s)).ToArray();
        try
        {
            Enqueue("all-reduce", () =>
            {
                _nccl.Check(_nccl.GroupStart(), "ncclGroupStart");
                for (var i = 0; i < Size; i++)
                {
                    var s = sources[i];
                    _nccl.Check(_nccl.AllReduce(TensorPointers.DataPointer(s), TensorPointers.DataPointer(results[i]), s.NumberOfElements, NcclDataTypes.For(s.dtype), NcclRedOp.Sum, _comms[i]), "ncclAllReduce");
                }

                _nccl.Check(_nccl.GroupEnd(), "ncclGroupEnd");
            });
            for (var i = 0; i < Size; i++)
            {
                Complete(i, "all-reduce");
            }

            return results;
        }
        catch
        {
            foreach (var r in results)
            {
                r.Dispose();
            }

            throw;
        }
        finally
        {
            foreach (var s in sources)
            {
                s.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        _lock.EnterWriteLock();
        try
        {
            foreach (var comm in _comms)
            {
                _nccl.CommDestroy(comm);
            }

            _comms = [];
            _failure ??= "the group was disposed";
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private torch.Tensor AllReduceSum(int index, torch.Tensor local)
    {
        using var source = Checked(index, local, "all-reduce").contiguous();
        var result = torch.empty_like(source);
        return Run(index, "all-reduce", result, comm =>
            _nccl.AllReduce(TensorPointers.DataPointer(source), TensorPointers.DataPointer(result), source.NumberOfElements, NcclDataTypes.For(source.dtype), NcclRedOp.Sum, comm));
    }

    private torch.Tensor AllGather(int index, torch.Tensor local, long dimension)
    {
        using var source = Checked(index, local, "all-gather").contiguous();
        var dim = dimension < 0 ? dimension + source.dim() : dimension;
        using var gathered = torch.empty([Size, .. source.shape], source.dtype, device: source.device);
        using var done = Run(index, "all-gather", gathered.alias(), comm =>
            _nccl.AllGather(TensorPointers.DataPointer(source), TensorPointers.DataPointer(gathered), source.NumberOfElements, NcclDataTypes.For(source.dtype), comm));

        // NCCL gathers member-major; anything but dimension 0 needs the blocks laid side by side.
        if (dim == 0)
        {
            return gathered.reshape([Size * source.shape[0], .. source.shape[1..]]);
        }

        var parts = gathered.unbind(0);
        try
        {
            return torch.cat(parts, dim);
        }
        finally
        {
            foreach (var p in parts)
            {
                p.Dispose();
            }
        }
    }

    private torch.Tensor Checked(int index, torch.Tensor local, string operation)
    {
        if (local.device_type != DeviceType.CUDA || local.device_index != _gpus[index])
        {
            throw new InvalidOperationException($"{operation} on member {index}: NCCL member {index} is cuda:{_gpus[index]}, the tensor is on {local.device}");
        }

        return local;
    }

    private torch.Tensor Run(int index, string operation, torch.Tensor result, Func<IntPtr, NcclResult> call)
    {
        try
        {
            Enqueue(operation, () => _nccl.Check(call(_comms[index]), $"{operation} on member {index}"));
            Complete(index, operation);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private void Enqueue(string operation, Action call)
    {
        _lock.EnterReadLock();
        try
        {
            ThrowIfFailed(operation);
            call();
        }
        catch (NcclException ex)
        {
            _lock.ExitReadLock();
            Abort(ex.Message);
            throw;
        }

        _lock.ExitReadLock();
    }

    private void Complete(int index, string operation)
    {
        if (_synchronize)
        {
            Volatile.Write(ref _deadlines[index], (DateTime.UtcNow + _timeout).Ticks);
            try
            {
                torch.cuda.synchronize(new torch.Device(DeviceType.CUDA, _gpus[index]));
            }
            catch (Exception ex) when (_failure is not null)
            {
                // The abort that released this wait also failed the device's pending work; the abort's reason is the news.
                throw new NcclException($"{operation} on member {index}: the group was aborted: {_failure}", ex);
            }
            finally
            {
                Volatile.Write(ref _deadlines[index], 0);
            }
        }
        else
        {
            Poll();
        }

        ThrowIfFailed(operation);
    }

    private void ThrowIfFailed(string operation)
    {
        if (_failure is { } failure)
        {
            throw new NcclException($"{operation}: the group was aborted: {failure}");
        }
    }

    // Runs on the watchdog timer (and inline when not synchronising): deadlines first, then each communicator's state.
    private void Poll()
    {
        string? reason = null;
        var now = DateTime.UtcNow.Ticks;
        for (var i = 0; i < _deadlines.Length && reason is null; i++)
        {
            var deadline = Volatile.Read(ref _deadlines[i]);
            if (deadline != 0 && now > deadline)
            {
                reason = $"a collective on member {i} (cuda:{_gpus[i]}) did not finish within {_timeout.TotalSeconds:F0} s";
            }
        }

        if (reason is null && _lock.TryEnterReadLock(0))
        {
            try
            {
                for (var i = 0; i < _comms.Length && reason is null; i++)
                {
                    var state = _nccl.CommGetAsyncError(_comms[i]);
                    if (state is not (NcclResult.Success or NcclResult.InProgress))
                    {
                        reason = $"communicator {i} (cuda:{_gpus[i]}): {state} ({_nccl.ErrorString(state)})";
                    }
                }
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }

        if (reason is not null)
        {
            Abort(reason);
        }
    }

    private sealed class MemberView(NcclCollectiveGroup group, int index) : ITensorParallelGroup
    {
        public int Size => group.Size;

        public int Index => index;

        public torch.Tensor AllReduceSum(torch.Tensor local) => group.AllReduceSum(index, local);

        public torch.Tensor AllGather(torch.Tensor local, long dimension) => group.AllGather(index, local, dimension);
    }
}
