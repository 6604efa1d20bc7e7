namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// Reads a connection on a thread of its own that blocks on the socket, for the per-step frames between a driver and its
/// ranks: a frame then wakes that thread directly, where an async read wakes the runtime's socket thread and then a
/// thread-pool worker before any code of ours runs (one hand-off fewer on every step, at both ends).
/// </summary>
internal static class BlockingFrameReader
{
    /// <summary>How long a read blocks before the thread checks for cancellation.</summary>
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Calls <paramref name="handle"/> on the reading thread for each frame, in order. The task completes when the peer
    /// closes the connection between frames, faults when a read or <paramref name="handle"/> throws (a frame cut short,
    /// one the peer should not send), and is canceled within <see cref="Slice"/> of <paramref name="cancellationToken"/>.
    /// </summary>
    public static Task Start(string threadName, FrameConnection connection, Action<Frame> handle, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (!connection.TryReceive(Slice, out var frame))
                    {
                        continue;
                    }

                    if (frame is not { } received)
                    {
                        done.TrySetResult();
                        return;
                    }

                    handle(received);
                }

                done.TrySetCanceled(cancellationToken);
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        { IsBackground = true, Name = threadName };
        thread.Start();
        return done.Task;
    }
}
