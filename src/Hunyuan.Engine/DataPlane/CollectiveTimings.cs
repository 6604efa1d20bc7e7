namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// What a rank's tensor-parallel collectives over the data plane cost, summed, by phase: <b>send</b> (its part to host
/// bytes and onto every peer's connection; on loopback the kernel also delivers it and wakes the peer inside that
/// call), <b>wait</b> (from then until a peer's part is readable: the peer's lag in computing its part, plus the wake-up
/// of this rank's thread), <b>receive</b> (reading and decoding the part into a tensor on the rank's device) and
/// <b>combine</b> (the sum or concatenation). Wait is what the layout and the host's scheduling charge; the other three
/// are the data plane's own work on the rank's thread.
/// </summary>
public readonly record struct CollectiveTimings(long Collectives, double SendSeconds, double WaitSeconds, double ReceiveSeconds, double CombineSeconds)
{
    public static CollectiveTimings operator +(CollectiveTimings a, CollectiveTimings b) =>
        new(a.Collectives + b.Collectives, a.SendSeconds + b.SendSeconds, a.WaitSeconds + b.WaitSeconds, a.ReceiveSeconds + b.ReceiveSeconds, a.CombineSeconds + b.CombineSeconds);

    public static CollectiveTimings operator -(CollectiveTimings after, CollectiveTimings before) =>
        new(after.Collectives - before.Collectives, after.SendSeconds - before.SendSeconds, after.WaitSeconds - before.WaitSeconds,
            after.ReceiveSeconds - before.ReceiveSeconds, after.CombineSeconds - before.CombineSeconds);
}
