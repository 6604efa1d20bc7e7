using System.Runtime.InteropServices;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// The NCCL entry points, resolved from libnccl.so.2 at run time. libtorch links NCCL statically and exports none of
/// it, so the library must come from the host (pip nvidia-nccl-cu12, the libnccl2 package, or the image); a host
/// without it simply has no <see cref="NcclLibrary"/> and keeps the in-process collectives. Signatures follow
/// NVIDIA/nccl src/nccl.h.in; every call returns an ncclResult_t, and streams are passed as 0 (the device's legacy
/// default stream, the one TorchSharp's kernels run on).
/// </summary>
public sealed unsafe class NcclLibrary
{
    private readonly delegate* unmanaged<int*, NcclResult> _getVersion;
    private readonly delegate* unmanaged<NcclUniqueId*, NcclResult> _getUniqueId;
    private readonly delegate* unmanaged<IntPtr*, int, int*, NcclResult> _commInitAll;
    private readonly delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, NcclResult> _commInitRank;
    private readonly delegate* unmanaged<IntPtr, NcclResult> _commDestroy;
    private readonly delegate* unmanaged<IntPtr, NcclResult> _commAbort;
    private readonly delegate* unmanaged<IntPtr, NcclResult*, NcclResult> _commGetAsyncError;
    private readonly delegate* unmanaged<NcclResult, IntPtr> _getErrorString;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, NcclDataType, NcclRedOp, IntPtr, IntPtr, NcclResult> _allReduce;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, NcclDataType, IntPtr, IntPtr, NcclResult> _allGather;
    private readonly delegate* unmanaged<IntPtr, nuint, NcclDataType, int, IntPtr, IntPtr, NcclResult> _send;
    private readonly delegate* unmanaged<IntPtr, nuint, NcclDataType, int, IntPtr, IntPtr, NcclResult> _recv;
    private readonly delegate* unmanaged<NcclResult> _groupStart;
    private readonly delegate* unmanaged<NcclResult> _groupEnd;

    private NcclLibrary(string path, IntPtr handle)
    {
        Path = path;
        _getVersion = (delegate* unmanaged<int*, NcclResult>)NativeLibrary.GetExport(handle, "ncclGetVersion");
        _getUniqueId = (delegate* unmanaged<NcclUniqueId*, NcclResult>)NativeLibrary.GetExport(handle, "ncclGetUniqueId");
        _commInitAll = (delegate* unmanaged<IntPtr*, int, int*, NcclResult>)NativeLibrary.GetExport(handle, "ncclCommInitAll");
        _commInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, NcclResult>)NativeLibrary.GetExport(handle, "ncclCommInitRank");
        _commDestroy = (delegate* unmanaged<IntPtr, NcclResult>)NativeLibrary.GetExport(handle, "ncclCommDestroy");
        _commAbort = (delegate* unmanaged<IntPtr, NcclResult>)NativeLibrary.GetExport(handle, "ncclCommAbort");
        _commGetAsyncError = (delegate* unmanaged<IntPtr, NcclResult*, NcclResult>)NativeLibrary.GetExport(handle, "ncclCommGetAsyncError");
        _getErrorString = (delegate* unmanaged<NcclResult, IntPtr>)NativeLibrary.GetExport(handle, "ncclGetErrorString");
        _allReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, NcclDataType, NcclRedOp, IntPtr, IntPtr, NcclResult>)NativeLibrary.GetExport(handle, "ncclAllReduce");
        _allGather = (delegate* unmanaged<IntPtr, IntPtr, nuint, NcclDataType, IntPtr, IntPtr, NcclResult>)NativeLibrary.GetExport(handle, "ncclAllGather");
        _send = (delegate* unmanaged<IntPtr, nuint, NcclDataType, int, IntPtr, IntPtr, NcclResult>)NativeLibrary.GetExport(handle, "ncclSend");
        _recv = (delegate* unmanaged<IntPtr, nuint, NcclDataType, int, IntPtr, IntPtr, NcclResult>)NativeLibrary.GetExport(handle, "ncclRecv");
        _groupStart = (delegate* unmanaged<NcclResult>)NativeLibrary.GetExport(handle, "ncclGroupStart");
        _groupEnd = (delegate* unmanaged<NcclResult>)NativeLibrary.GetExport(handle, "ncclGroupEnd");
    }

    /// <summary>The file that was loaded (or the bare name dlopen resolved).</summary>
    public string Path { get; }

    /// <summary>Loads the first candidate that opens and exports every entry point; null when none does.</summary>
    public static NcclLibrary? TryLoad(IEnumerable<string> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                continue;
            }

            try
            {
                return new NcclLibrary(candidate, handle);
            }
            catch (EntryPointNotFoundException)
            {
                // An NCCL too old for this binding (or another library of that name): try the next candidate.
                NativeLibrary.Free(handle);
            }
        }

        return null;
    }

    /// <summary>NCCL's version code, e.g. 22703 for 2.27.3.</summary>
    public int Version()
    {
        int v;
        Check(_getVersion(&v), "ncclGetVersion");
        return v;
    }

    public NcclUniqueId GetUniqueId()
    {
        NcclUniqueId id;
        Check(_getUniqueId(&id), "ncclGetUniqueId");
        return id;
    }

    /// <summary>One communicator per listed CUDA device, all in this process (ncclCommInitAll).</summary>
    public IntPtr[] CommInitAll(IReadOnlyList<int> devices)
    {
        var comms = new IntPtr[devices.Count];
        var list = devices.ToArray();
        fixed (IntPtr* c = comms)
        fixed (int* d = list)
        {
            Check(_commInitAll(c, list.Length, d), "ncclCommInitAll");
        }

        return comms;
    }

    /// <summary>This process's rank of a group spread over processes (ncclCommInitRank); the caller set the CUDA device.</summary>
    public IntPtr CommInitRank(int ranks, NcclUniqueId id, int rank)
    {
        IntPtr comm;
        Check(_commInitRank(&comm, ranks, id, rank), "ncclCommInitRank");
        return comm;
    }

    public NcclResult CommDestroy(IntPtr comm) => _commDestroy(comm);

    public NcclResult CommAbort(IntPtr comm) => _commAbort(comm);

    /// <summary>The communicator's asynchronous state: Success, InProgress, or the error that broke it.</summary>
    public NcclResult CommGetAsyncError(IntPtr comm)
    {
        NcclResult state;
        var r = _commGetAsyncError(comm, &state);
        return r == NcclResult.Success ? state : r;
    }

    public string ErrorString(NcclResult result) => Marshal.PtrToStringUTF8(_getErrorString(result)) ?? result.ToString();

    public NcclResult AllReduce(IntPtr send, IntPtr receive, long count, NcclDataType type, NcclRedOp op, IntPtr comm) =>
        _allReduce(send, receive, (nuint)count, type, op, comm, IntPtr.Zero);

    public NcclResult AllGather(IntPtr send, IntPtr receive, long sendCount, NcclDataType type, IntPtr comm) =>
        _allGather(send, receive, (nuint)sendCount, type, comm, IntPtr.Zero);

    /// <summary>
    /// ncclSend(sendbuff, count, datatype, peer, comm, stream): enqueues sending <paramref name="count"/> elements to
    /// rank <paramref name="peer"/>, which must post an ncclRecv of the same count and type. Returns once enqueued.
    /// </summary>
    public NcclResult Send(IntPtr send, long count, NcclDataType type, int peer, IntPtr comm) =>
        _send(send, (nuint)count, type, peer, comm, IntPtr.Zero);

    /// <summary>ncclRecv(recvbuff, count, datatype, peer, comm, stream): the matching receive of an ncclSend from <paramref name="peer"/>.</summary>
    public NcclResult Recv(IntPtr receive, long count, NcclDataType type, int peer, IntPtr comm) =>
        _recv(receive, (nuint)count, type, peer, comm, IntPtr.Zero);

    /// <summary>Brackets calls one thread makes for several ranks, so they launch together instead of deadlocking.</summary>
    public NcclResult GroupStart() => _groupStart();

    public NcclResult GroupEnd() => _groupEnd();

    /// <summary>Throws <see cref="NcclException"/> with NCCL's own text for any result but Success.</summary>
    public void Check(NcclResult result, string call)
    {
        if (result != NcclResult.Success)
        {
            throw new NcclException(result, $"{call} failed: {result} ({ErrorString(result)})");
        }
    }
}
