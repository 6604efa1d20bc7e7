using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Hunyuan.Engine.Collectives.Nccl;
using Hunyuan.Engine.DataPlane;
using TorchSharp;

namespace Hunyuan.Engine.Tests.TestSupport;

/// <summary>
/// A test stand-in for NCCL point-to-point, NOT NCCL: per link generation, two ends in this process; a posted send and
/// the matching posted receive are paired like ncclSend/ncclRecv (same count and dtype, else both fail) and the bytes
/// are copied from the sender's CPU tensor into the receiver's. It lets the stage links' logic run on the CPU; what it
/// cannot show is anything about NCCL itself or GPUs.
/// </summary>
internal sealed class CopyingPointToPoint(TimeSpan timeout)
{
    private readonly ConcurrentDictionary<int, Pair> _pairs = new();

    /// <summary>Generations each side joined, in order.</summary>
    public ConcurrentQueue<(string Side, int Generation)> Joins { get; } = new();

    /// <summary>Every receive posted (count), so a test can tell nothing was received into.</summary>
    public int ReceivesPosted => _pairs.Values.Sum(p => p.ReceivesPosted);

    public NcclStageConnector Connector => new(torch.CPU, g => Join("sender", g).Sender, g => Join("receiver", g).Receiver);

    /// <summary>Fails generation <paramref name="generation"/> as an asynchronous NCCL error would.</summary>
    public void Fail(int generation, string reason) => PairOf(generation).Abort(reason);

    private Pair Join(string side, int generation)
    {
        Joins.Enqueue((side, generation));
        return PairOf(generation);
    }

    private Pair PairOf(int generation) => _pairs.GetOrAdd(generation, _ => new Pair(timeout));

    private sealed class Pair
    {
        private readonly Lock _gate = new();
        private Posted? _send;
        private Posted? _receive;
        private volatile string? _failure;
        private int _receivesPosted;

        public Pair(TimeSpan timeout)
        {
            Sender = new End(this, timeout, isSender: true);
            Receiver = new End(this, timeout, isSender: false);
        }

        public End Sender { get; }

        public End Receiver { get; }

        public int ReceivesPosted => Volatile.Read(ref _receivesPosted);

        public string? Failure => _failure;

        public Posted Post(bool isSender, IntPtr buffer, long count, NcclDataType type)
        {
            var posted = new Posted(buffer, count, type);
            lock (_gate)
            {
                if (_failure is { } failure)
                {
                    throw new NcclException($"the transport failed: {failure}");
                }

                if (isSender)
                {
                    _send = posted;
                }
                else
                {
                    _receive = posted;
                    _receivesPosted++;
                }

                if (_send is { } s && _receive is { } r)
                {
                    _send = null;
                    _receive = null;
                    if (s.Count != r.Count || s.Type != r.Type)
                    {
                        Abort($"send of {s.Count} {s.Type} met a receive of {r.Count} {r.Type}");
                        return posted;
                    }

                    var bytes = checked((int)(s.Count * NcclDataTypes.ElementSize(s.Type)));
                    var staging = new byte[bytes];
                    Marshal.Copy(s.Buffer, staging, 0, bytes);
                    Marshal.Copy(staging, 0, r.Buffer, bytes);
                    s.Done.Set();
                    r.Done.Set();
                }
            }

            return posted;
        }

        public void Abort(string reason)
        {
            lock (_gate)
            {
                _failure ??= reason;
                _send?.Done.Set();
                _receive?.Done.Set();
            }
        }
    }

    private sealed record Posted(IntPtr Buffer, long Count, NcclDataType Type)
    {
        public ManualResetEventSlim Done { get; } = new();
    }

    private sealed class End(Pair pair, TimeSpan timeout, bool isSender) : INcclPointToPoint
    {
        private Posted? _pending;

        public void Send(IntPtr buffer, long count, NcclDataType type) => _pending = pair.Post(isSender, buffer, count, type);

        public void Receive(IntPtr buffer, long count, NcclDataType type) => _pending = pair.Post(isSender, buffer, count, type);

        public void WaitComplete(Func<string?> broken)
        {
            var pending = _pending ?? throw new InvalidOperationException("nothing was started");
            _pending = null;
            var deadline = DateTime.UtcNow + timeout;
            while (!pending.Done.Wait(TimeSpan.FromMilliseconds(20)))
            {
                var reason = DateTime.UtcNow > deadline ? $"a transfer did not finish within {timeout.TotalSeconds:F0} s" : broken();
                if (reason is not null)
                {
                    pair.Abort(reason);
                }
            }

            pending.Done.Dispose();
            if (pair.Failure is { } failure)
            {
                throw new NcclException($"the transport failed: {failure}");
            }
        }

        public void Abort(string reason) => pair.Abort(reason);

        public void Dispose()
        {
        }
    }
}
