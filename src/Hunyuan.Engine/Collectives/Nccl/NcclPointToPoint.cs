using TorchSharp;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// ncclSend/ncclRecv between the two ranks of a communicator made with ncclCommInitRank (this end's rank is 0 or 1, the
/// peer the other). As in <see cref="NcclCollectiveGroup"/>, a transfer is waited for with torch.cuda.synchronize on
/// the communicator's device while a watchdog polls the deadline, the caller's link health and ncclCommGetAsyncError;
/// any of them aborts the communicator (ncclCommAbort), which releases the wait, and the transfer fails. Calls go on
/// stream 0, the legacy default stream TorchSharp's kernels use (inferred from its source, not verified). Nothing of
/// this class has run on a GPU yet: the CPU tests cover the stage links above it with a copying stand-in.
/// </summary>
public sealed class NcclPointToPoint : INcclPointToPoint
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly NcclLibrary _nccl;
    private readonly int _gpu;
    private readonly int _peer;
    private readonly TimeSpan _timeout;
    private readonly Lock _gate = new();
    private readonly Timer _watchdog;
    private IntPtr _comm;
    private long _deadline;
    private volatile Func<string?>? _broken;
    private volatile string? _failure;

    private NcclPointToPoint(NcclLibrary nccl, IntPtr comm, int gpu, int rank, TimeSpan timeout)
    {
        _nccl = nccl;
        _comm = comm;
        _gpu = gpu;
        _peer = 1 - rank;
        _timeout = timeout;
        _watchdog = new Timer(_ => Poll(), null, PollInterval, PollInterval);
    }

    /// <summary>
    /// Joins the two-rank communicator of <paramref name="id"/> as <paramref name="rank"/> on cuda:<paramref name="gpu"/>.
    /// ncclCommInitRank blocks until the other rank joins too, so the sender calls this only after its notice is on the
    /// wire, and the receiver only after reading one. If the other rank never joins (it refused the notice, or died),
    /// the wait ends after <paramref name="timeout"/> and fails the step; the blocked init stays on its own thread and
    /// a communicator it still returns is aborted (a blocking init cannot be cancelled; ncclCommInitRankConfig with
    /// blocking = 0 could be, and is not bound here).
    /// </summary>
    public static NcclPointToPoint Connect(NcclLibrary nccl, int gpu, NcclUniqueId id, int rank, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rank, 1);

        // The caller's thread too: it enqueues the transfers, and the device stays current for them.
        CudaCurrentDevice.Set(gpu);
        var init = Task.Factory.StartNew(
            () =>
            {
                CudaCurrentDevice.Set(gpu);
                return nccl.CommInitRank(2, id, rank);
            },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool joined;
        try
        {
            joined = init.Wait(timeout);
        }
        catch (AggregateException ex) when (ex.InnerException is { } inner)
        {
            throw new NcclException($"joining the NCCL stage link on cuda:{gpu} as rank {rank} failed: {inner.Message}", inner);
        }

        if (!joined)
        {
            _ = init.ContinueWith(t => nccl.CommAbort(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw new NcclException($"ncclCommInitRank on cuda:{gpu} as rank {rank} did not complete within {timeout.TotalSeconds:F0} s: the other stage never joined");
        }

        return new NcclPointToPoint(nccl, init.Result, gpu, rank, timeout);
    }

    public void Send(IntPtr buffer, long count, NcclDataType type) => Start("ncclSend", comm => _nccl.Send(buffer, count, type, _peer, comm));

    public void Receive(IntPtr buffer, long count, NcclDataType type) => Start("ncclRecv", comm => _nccl.Recv(buffer, count, type, _peer, comm));

    public void WaitComplete(Func<string?> broken)
    {
        _broken = broken;
        try
        {
            torch.cuda.synchronize(new torch.Device(DeviceType.CUDA, _gpu));
        }
        catch (Exception ex) when (_failure is not null)
        {
            // The abort that released this wait also failed the device's pending work; the abort's reason is the news.
            throw new NcclException($"the NCCL stage link on cuda:{_gpu} was aborted: {_failure}", ex);
        }
        finally
        {
            _broken = null;
            Volatile.Write(ref _deadline, 0);
        }

        Poll();
        ThrowIfFailed();
    }

    public void Abort(string reason)
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = reason;
            if (_comm != IntPtr.Zero)
            {
                _nccl.CommAbort(_comm);
                _comm = IntPtr.Zero;
            }
        }
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        lock (_gate)
        {
            _failure ??= "the link was closed";
            if (_comm != IntPtr.Zero)
            {
                _nccl.CommDestroy(_comm);
                _comm = IntPtr.Zero;
            }
        }
    }

    private void Start(string call, Func<IntPtr, NcclResult> enqueue)
    {
        // The deadline covers the enqueue too: a first send to a peer connects to it from inside the call.
        Volatile.Write(ref _deadline, (DateTime.UtcNow + _timeout).Ticks);
        IntPtr comm;
        lock (_gate)
        {
            ThrowIfFailed();
            comm = _comm;
        }

        // Outside the lock: if the call blocks (a peer that never connects), the watchdog's abort must be able to run.
        var result = enqueue(comm);

        if (result != NcclResult.Success)
        {
            var message = $"{call} on cuda:{_gpu} failed: {result} ({_nccl.ErrorString(result)})";
            Abort(message);
            throw new NcclException(result, message);
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new NcclException($"the NCCL stage link on cuda:{_gpu} failed: {failure}");
        }
    }

    // On the watchdog timer, and once after each wait: deadline, the caller's link, then the communicator's own state.
    private void Poll()
    {
        var deadline = Volatile.Read(ref _deadline);
        var reason = deadline != 0 && DateTime.UtcNow.Ticks > deadline
            ? $"a transfer did not finish within {_timeout.TotalSeconds:F0} s"
            : _broken?.Invoke();
        if (reason is null && _gate.TryEnter())
        {
            try
            {
                if (_comm != IntPtr.Zero && _nccl.CommGetAsyncError(_comm) is var state && state is not (NcclResult.Success or NcclResult.InProgress))
                {
                    reason = $"{state} ({_nccl.ErrorString(state)})";
                }
            }
            finally
            {
                _gate.Exit();
            }
        }

        if (reason is not null)
        {
            Abort(reason);
        }
    }
}
