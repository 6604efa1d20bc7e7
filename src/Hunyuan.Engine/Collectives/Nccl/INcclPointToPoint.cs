namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// One end of a two-rank point-to-point transport for tensor bytes (in production NCCL's ncclSend/ncclRecv over a
/// communicator of two ranks). The stage links' logic (notices, limits, ordering, failures, timeouts) sits above it, so
/// tests drive that logic with a CPU stand-in; only <see cref="NcclPointToPoint"/> talks to NCCL.
/// </summary>
public interface INcclPointToPoint : IDisposable
{
    /// <summary>Starts sending <paramref name="count"/> elements at <paramref name="buffer"/> to the other end.</summary>
    void Send(IntPtr buffer, long count, NcclDataType type);

    /// <summary>Starts receiving <paramref name="count"/> elements into <paramref name="buffer"/> from the other end.</summary>
    void Receive(IntPtr buffer, long count, NcclDataType type);

    /// <summary>
    /// Blocks until the started transfer has completed. Throws when it failed, did not finish within the transport's
    /// timeout, or <paramref name="broken"/> returned a reason while waiting; the transport is then aborted and unusable.
    /// </summary>
    void WaitComplete(Func<string?> broken);

    /// <summary>Fails the transport (a waiter is released with <paramref name="reason"/>); later calls throw.</summary>
    void Abort(string reason);
}
