using System.Net;
using System.Net.Sockets;
using Hunyuan.Engine.DataPlane;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>A rank's outbound link to another rank, against a peer on a loopback listener that the test scripts.</summary>
public sealed class PeerConnectionTests
{
    [Fact]
    public async Task AFrameWrittenAfterThePeerClosedTheLinkGoesOutOnAFreshConnectionInsteadOfVanishing()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var hello = new DataPlaneHello(DataPlaneRole.Peer, "d", "e1", 1, "token", FromRank: 0);
        using var peer = new PeerConnection(hello, () => endpoint, TimeSpan.FromSeconds(5));

        // The first connection carries one frame, then the peer closes it (its agent restarted, say).
        var first = Task.Run(async () =>
        {
            await using var c = await AcceptAsync(listener);
            return (await c.ReceiveAsync())!.Value.Payload;
        });
        peer.Write(c => c.Send(FrameKind.StageFailure, StageInbox.EncodeFailure(1, "one").Span));
        Assert.Equal(StageInbox.EncodeFailure(1, "one").ToArray(), await first.WaitAsync(TimeSpan.FromSeconds(10)));

        // A small write to the half-closed socket would succeed locally and be lost; it must reach a new connection.
        var second = Task.Run(async () =>
        {
            await using var c = await AcceptAsync(listener);
            return (await c.ReceiveAsync())!.Value.Payload;
        });
        await Task.Delay(200);
        peer.Write(c => c.Send(FrameKind.StageFailure, StageInbox.EncodeFailure(2, "two").Span));
        Assert.Equal(StageInbox.EncodeFailure(2, "two").ToArray(), await second.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static async Task<FrameConnection> AcceptAsync(TcpListener listener)
    {
        var connection = new FrameConnection(await listener.AcceptSocketAsync(), "rank 0");
        var frame = await connection.ReceiveAsync();
        Assert.Equal(FrameKind.Hello, frame?.Kind);
        await connection.SendAsync(FrameKind.HelloReply, DataPlaneClient.Reply(true, "ok"));
        return connection;
    }
}
