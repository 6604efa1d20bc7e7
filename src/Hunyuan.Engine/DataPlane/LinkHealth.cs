using System.Diagnostics;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The last break of an inbound link from one peer. A wait that was under way when the link broke fails at once (what
/// it waited for was lost with the connection); a wait that begins after the break gives the peer a short grace to
/// connect again, since the peer opens a fresh link on its next send and a bad connection from someone else (or an
/// old one of the peer's) must not fail steps that the new link will serve.
/// </summary>
internal sealed class LinkHealth
{
    public static readonly TimeSpan ReconnectGrace = TimeSpan.FromSeconds(2);

    private volatile LinkBreak? _break;

    public void Broke(string reason) => _break = new LinkBreak(reason, Stopwatch.GetTimestamp());

    public void Connected() => _break = null;

    /// <summary>Why a wait that began at <paramref name="waitStarted"/> (a Stopwatch timestamp) must fail now, or null.</summary>
    public string? FailureFor(long waitStarted)
    {
        var b = _break;
        if (b is null)
        {
            return null;
        }

        return b.At >= waitStarted || Stopwatch.GetElapsedTime(waitStarted) > ReconnectGrace ? b.Reason : null;
    }

    private sealed record LinkBreak(string Reason, long At);
}
