using System.Diagnostics;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// A peer's inbound connection, adopted by the rank whose own thread reads it (no reader task): at most one at a time,
/// a newer one replacing the older. The server's task that accepted the connection waits on <see cref="Adopt"/> and
/// closes the connection once it is given up.
/// </summary>
internal sealed class AdoptedLink
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    /// <summary>SpinWait rounds before blocking on the peer (the later rounds yield the core).</summary>
    private const int SpinRounds = 40;

    private readonly object _gate = new();
    private FrameConnection? _connection;
    private TaskCompletionSource? _released;

    public LinkHealth Health { get; } = new();

    public Task Adopt(FrameConnection connection, CancellationToken cancellationToken)
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _released?.TrySetResult();
            _connection = connection;
            _released = released;
            Health.Connected();
            Monitor.PulseAll(_gate);
        }

        // Stopping the server (its token) also gives the connection up.
        var registration = cancellationToken.Register(() => Release(connection, "the data plane is stopping"));
        return released.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// The next frame from the peer, read on the calling (rank's) thread after a short spin. A connection that breaks or
    /// closes is given up and the wait goes on for a new one, unless the link's health says the peer is gone (a break
    /// since <paramref name="waitStarted"/>, or one before it not mended within the grace), or the deadline passes.
    /// </summary>
    /// <param name="peerName">The peer as errors name it ("the previous stage", "tensor-parallel peer rank 3").</param>
    public (Frame Frame, FrameConnection Connection) Next(string peerName, long waitStarted, long deadline, Func<string> timeoutMessage)
    {
        while (true)
        {
            if (Health.FailureFor(waitStarted) is { } reason)
            {
                throw new DataPlaneException($"{peerName} is unreachable: {reason}");
            }

            if (Stopwatch.GetTimestamp() >= deadline)
            {
                throw new TimeoutException(timeoutMessage());
            }

            if (Current(Slice) is not { } connection)
            {
                continue;   // not connected (yet, or again): the checks above decide how long that may last
            }

            Frame? frame;
            try
            {
                connection.SpinUntilReadable(SpinRounds);
                if (!connection.TryReceive(Slice, out frame))
                {
                    continue;
                }
            }
            catch (Exception ex) when (ex is DataPlaneException or InvalidDataException)
            {
                Release(connection, ex.Message);
                continue;
            }

            if (frame is null)
            {
                Release(connection, $"{peerName} ({connection.Peer}) closed its connection");
                continue;
            }

            return (frame.Value, connection);
        }
    }

    /// <summary>The current connection, waiting at most <paramref name="wait"/> for one.</summary>
    public FrameConnection? Current(TimeSpan wait)
    {
        lock (_gate)
        {
            if (_connection is null)
            {
                Monitor.Wait(_gate, wait);
            }

            return _connection;
        }
    }

    /// <summary>Gives <paramref name="connection"/> up (if still current) and records why.</summary>
    public void Release(FrameConnection connection, string reason)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_connection, connection))
            {
                return;
            }

            _connection = null;
            _released?.TrySetResult();
            _released = null;
            Health.Broke(reason);
        }
    }

    public void Close(string reason)
    {
        lock (_gate)
        {
            if (_connection is { } connection)
            {
                _connection = null;
                _released?.TrySetResult();
                _released = null;
                connection.Dispose();
            }

            Health.Broke(reason);
            Monitor.PulseAll(_gate);
        }
    }
}
