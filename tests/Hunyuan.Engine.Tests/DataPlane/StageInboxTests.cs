using System.Net;
using System.Net.Sockets;
using Hunyuan.Engine.DataPlane;
using TorchSharp;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>
/// The receiving end of a pipeline link, read by the rank's own thread: steps taken in order, frames of steps the rank
/// has left dropped, bad frames failing the waiting step and dropping the connection, a lost peer failing it at once.
/// </summary>
public sealed class StageInboxTests
{
    private const int Hidden = 8;

    [Fact]
    public async Task StepsAreTakenByIdAndFramesOfStepsTheRankHasLeftAreDropped()
    {
        using var inbox = new StageInbox(Hidden, 16, TimeSpan.FromSeconds(30));
        await using var link = await Link.OpenAsync(inbox);

        // Step 1 failed on this rank before it read its input; steps 2 and 3 come next, and 3's frame is already waiting.
        await link.SendAsync(1, 1f);
        await link.SendAsync(2, 2f);
        await link.SendAsync(3, 3f);

        Assert.Equal(2f, await OnRankThread(() => First(inbox.Receive(2))));
        Assert.Equal(3f, await OnRankThread(() => First(inbox.Receive(3))));

        // A failure notice for the next step fails it, naming the reason.
        await link.Peer.SendAsync(FrameKind.StageFailure, StageInbox.EncodeFailure(4, "out of blocks"));
        var failed = await Assert.ThrowsAsync<DataPlaneException>(() => OnRankThread(() => inbox.Receive(4)));
        Assert.Contains("step 4 failed on the previous stage: out of blocks", failed.Message, StringComparison.Ordinal);
        Assert.False(link.Released.IsCompleted);
    }

    [Fact]
    public async Task AFrameOfTheWrongWidthFailsTheWaitingStepAndDropsTheConnectionAndANewOneServes()
    {
        using var inbox = new StageInbox(Hidden, 16, TimeSpan.FromSeconds(30));
        await using var forged = await Link.OpenAsync(inbox);
        await forged.Peer.SendAsync(FrameKind.Activation, ActivationFrame.Header(5, torch.ScalarType.Float32, 1, Hidden + 1), new byte[(Hidden + 1) * 4]);

        var bad = await Assert.ThrowsAsync<DataPlaneException>(() => OnRankThread(() => inbox.Receive(5)));
        Assert.Contains($"activations of [1, {Hidden + 1}]; this rank expects [rows, {Hidden}]", bad.Message, StringComparison.Ordinal);
        await forged.Released.WaitAsync(TimeSpan.FromSeconds(10));

        await using var real = await Link.OpenAsync(inbox);
        await real.SendAsync(6, 6f);
        Assert.Equal(6f, await OnRankThread(() => First(inbox.Receive(6))));
    }

    [Fact]
    public async Task MoreRowsThanAStepMayCarryAreRefusedBeforeAllocatingThem()
    {
        using var inbox = new StageInbox(Hidden, 16, TimeSpan.FromSeconds(30));
        await using var link = await Link.OpenAsync(inbox);

        // The header claims 2^30 rows; the payload limit (16 rows of the hidden size) refuses the frame unread.
        await link.Peer.SendAsync(FrameKind.Activation, ActivationFrame.Header(7, torch.ScalarType.Float32, 1 << 30, Hidden), new byte[Hidden * 4 * 17]);

        await Assert.ThrowsAsync<DataPlaneException>(() => OnRankThread(() => inbox.Receive(7)));
        await link.Released.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task APeerThatClosesWhileTheRankWaitsFailsTheStepAtOnce()
    {
        using var inbox = new StageInbox(Hidden, 16, TimeSpan.FromSeconds(60));
        await using var link = await Link.OpenAsync(inbox);
        var waiting = OnRankThread(() => inbox.Receive(8));
        await Task.Delay(200);
        await link.Peer.DisposeAsync();

        var lost = await Assert.ThrowsAsync<DataPlaneException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("the previous stage is unreachable", lost.Message, StringComparison.Ordinal);
    }

    private static float First(torch.Tensor t)
    {
        using (t)
        {
            return t[0, 0].ToSingle();
        }
    }

    /// <summary>Runs <paramref name="body"/> on a dedicated thread, as a rank's compute runs.</summary>
    private static Task<T> OnRankThread<T>(Func<T> body)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(body());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        thread.Start();
        return done.Task;
    }

    /// <summary>A loopback connection whose accepted end the inbox adopts; the test writes on the other.</summary>
    private sealed class Link : IAsyncDisposable
    {
        private Link(FrameConnection peer, FrameConnection adopted, Task released)
        {
            Peer = peer;
            Adopted = adopted;
            Released = released;
        }

        public FrameConnection Peer { get; }

        public FrameConnection Adopted { get; }

        /// <summary>Completes when the inbox gives the connection up.</summary>
        public Task Released { get; }

        public static async Task<Link> OpenAsync(StageInbox inbox)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var peer = await FrameConnection.ConnectAsync($"127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}", "test peer", TimeSpan.FromSeconds(5), CancellationToken.None);
            var adopted = new FrameConnection(await listener.AcceptAsync(), "stage 0 (test)");
            return new Link(peer, adopted, inbox.ServePeerAsync(adopted, CancellationToken.None));
        }

        public Task SendAsync(long step, float value)
        {
            var values = Enumerable.Repeat(value, Hidden).ToArray();
            var bytes = new byte[Hidden * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            return Peer.SendAsync(FrameKind.Activation, ActivationFrame.Header(step, torch.ScalarType.Float32, 1, Hidden), bytes).AsTask();
        }

        public async ValueTask DisposeAsync()
        {
            await Peer.DisposeAsync();
            await Adopted.DisposeAsync();
        }
    }
}
