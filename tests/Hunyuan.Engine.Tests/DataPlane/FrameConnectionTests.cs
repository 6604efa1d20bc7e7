using System.Net;
using System.Net.Sockets;
using Hunyuan.Engine.DataPlane;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>Frames over a loopback connection: what each send form writes is what the receiving forms read back.</summary>
public sealed class FrameConnectionTests
{
    // Small frames go out as one coalesced write, frames over 64 KiB in their parts: both sides of that line, with and
    // without a tail, through both send forms.
    public static TheoryData<int, int, bool> Sizes => new()
    {
        { 0, 0, false },
        { 11, 0, true },
        { 37, 1600, false },
        { (64 << 10) - 5 - 100, 100, true },
        { (64 << 10) - 5 - 100, 101, false },
        { 200_000, 0, true },
        { 70_000, 3_000, false },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task EachSendFormDeliversTheHeaderPayloadAndTailInOrder(int payloadBytes, int tailBytes, bool async)
    {
        var (sender, receiver) = await PairAsync();
        using (sender)
        using (receiver)
        {
            receiver.MaxActivationBytes = 1 << 20;
            var payload = Pattern(payloadBytes, 3);
            var tail = Pattern(tailBytes, 101);
            var expected = payload.Concat(tail).ToArray();

            // Two frames back to back, so a frame that overran its length would corrupt the second; sent while the
            // receiver reads, so large frames never wait on full socket buffers.
            var sending = Task.Run(async () =>
            {
                for (var i = 0; i < 2; i++)
                {
                    var kind = i == 0 ? FrameKind.Activation : FrameKind.CollectivePart;
                    if (async)
                    {
                        await sender.SendAsync(kind, payload, tail);
                    }
                    else
                    {
                        sender.Send(kind, payload, tail);
                    }
                }
            });

            var first = await receiver.ReceiveAsync();
            Assert.Equal(FrameKind.Activation, first?.Kind);
            Assert.Equal(expected, first!.Value.Payload);
            Assert.True(receiver.TryReceive(TimeSpan.FromSeconds(10), out var second));
            Assert.Equal(FrameKind.CollectivePart, second?.Kind);
            Assert.Equal(expected, second!.Value.Payload);
            await sending.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)((i * 31) + seed)).ToArray();

    private static async Task<(FrameConnection Sender, FrameConnection Receiver)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptSocketAsync();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return (new FrameConnection(client, "receiver"), new FrameConnection(await accept, "sender"));
    }
}
