using System.Diagnostics;
using System.Net;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>
/// The NCCL stage links' own logic on the CPU: notices on a real loopback data-plane connection (rank server, hello,
/// routing), the tensor bytes through <see cref="CopyingPointToPoint"/>, a stand-in that copies between CPU tensors.
/// Nothing here runs NCCL; bench/gpu-check.sh does, on GPUs.
/// </summary>
public sealed class NcclStageLinkTests
{
    private const long Hidden = 8;
    private const long MaxRows = 16;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(torch.ScalarType.BFloat16, 3)]
    [InlineData(torch.ScalarType.Float32, 5)]
    public async Task ActivationsArriveBitExactOnTheReceiversDevice(torch.ScalarType dtype, int rows)
    {
        await using var link = await LinkPair.StartAsync();
        using var sent = torch.randn(rows, Hidden, dtype: torch.ScalarType.Float32).to(dtype);

        var send = Task.Run(() => link.Sender.Send(7, sent));
        using var got = await Task.Run(() => link.Receiver.Receive(7)).WaitAsync(Timeout);
        await send.WaitAsync(Timeout);

        Assert.Equal(dtype, got.dtype);
        Assert.Equal(new[] { (long)rows, Hidden }, got.shape);
        Assert.Equal(sent.bytes.ToArray(), got.bytes.ToArray());
        Assert.Equal([("sender", 1), ("receiver", 1)], link.Transport.Joins.OrderByDescending(j => j.Side));
    }

    [Fact]
    public async Task ANonContiguousTensorIsSentAsItsValuesAndStepsKeepTheirOwnData()
    {
        await using var link = await LinkPair.StartAsync();
        using var wide = torch.arange(Hidden * 4, dtype: torch.ScalarType.Float32).reshape(Hidden, 4);
        using var transposed = wide.t();   // [4, Hidden], not contiguous
        using var second = torch.ones(2, Hidden);

        var send = Task.Run(() =>
        {
            link.Sender.Send(1, transposed);
            link.Sender.Send(2, second);
        });
        using var first = await Task.Run(() => link.Receiver.Receive(1)).WaitAsync(Timeout);
        using var next = await Task.Run(() => link.Receiver.Receive(2)).WaitAsync(Timeout);
        await send.WaitAsync(Timeout);

        Assert.True(first.eq(transposed).all().item<bool>());
        Assert.True(next.eq(second).all().item<bool>());
        Assert.Single(link.Transport.Joins, j => j.Side == "receiver");   // one communicator serves every step
    }

    [Fact]
    public async Task AStepThisRankLeftIsStillReceivedSoTheSenderCanAnnounceTheNext()
    {
        await using var link = await LinkPair.StartAsync();
        using var left = torch.zeros(2, Hidden);
        using var wanted = torch.ones(3, Hidden);

        // This rank failed step 1 before reading its input; the sender's ncclSend of step 1 waits for a receive.
        var send = Task.Run(() =>
        {
            link.Sender.Send(1, left);
            link.Sender.Send(2, wanted);
        });
        using var got = await Task.Run(() => link.Receiver.Receive(2)).WaitAsync(TimeSpan.FromSeconds(5));
        await send.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(got.eq(wanted).all().item<bool>());
        Assert.Equal(2, link.Transport.ReceivesPosted);
    }

    [Fact]
    public async Task AFailureNoticeFailsTheReceiversStepAtOnce()
    {
        await using var link = await LinkPair.StartAsync();
        var waited = Stopwatch.StartNew();
        var receive = Task.Run(() => link.Receiver.Receive(3));
        link.Sender.SendFailure(3, "expert kernel blew up");

        var ex = await Assert.ThrowsAsync<DataPlaneException>(() => receive.WaitAsync(Timeout));
        Assert.Contains("expert kernel blew up", ex.Message, StringComparison.Ordinal);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), $"took {waited.Elapsed}");
        Assert.Equal(0, link.Transport.ReceivesPosted);
    }

    [Fact]
    public async Task ALostTcpLinkFailsAReceiveWaitingForItsNoticePromptly()
    {
        await using var link = await LinkPair.StartAsync();
        link.Sender.SendFailure(1, "opens the link");
        var receive = Task.Run(() => link.Receiver.Receive(2));
        await Task.Delay(200);

        var waited = Stopwatch.StartNew();
        link.Sender.Dispose();   // the sending node is gone: its TCP link closes

        var ex = await Assert.ThrowsAsync<DataPlaneException>(() => receive.WaitAsync(Timeout));
        Assert.Contains("closed its connection", ex.Message, StringComparison.Ordinal);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), $"took {waited.Elapsed} (the timeout is {Timeout.TotalSeconds} s)");
    }

    [Fact]
    public async Task ALostTcpLinkFailsAReceiveWaitingForItsTransferPromptly()
    {
        await using var link = await LinkPair.StartAsync();
        using var raw = link.RawPeer();

        // A notice whose bytes never come: the receiver joins, posts its receive and waits on the transfer.
        raw.Write(c => c.Send(FrameKind.ActivationNotice, new ActivationNotice(4, torch.ScalarType.Float32, 2, (int)Hidden, 1).Encode().Span));
        var receive = Task.Run(() => link.Receiver.Receive(4));
        await WaitUntilAsync(() => link.Transport.ReceivesPosted == 1);

        var waited = Stopwatch.StartNew();
        raw.Dispose();

        var ex = await Assert.ThrowsAsync<DataPlaneException>(() => receive.WaitAsync(Timeout));
        Assert.Contains("closed its connection", ex.Message, StringComparison.Ordinal);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), $"took {waited.Elapsed} (the timeout is {Timeout.TotalSeconds} s)");
    }

    [Fact]
    public async Task AFailedTransferFailsTheStepOnBothSidesAndTheNextStepUsesANewGeneration()
    {
        await using var link = await LinkPair.StartAsync();
        link.Transport.Fail(1, "NCCL reported ncclRemoteError");
        using var hidden = torch.ones(2, Hidden);

        var send = Task.Run(() => link.Sender.Send(1, hidden));
        var receiveError = await Assert.ThrowsAsync<DataPlaneException>(() => Task.Run(() => link.Receiver.Receive(1)).WaitAsync(Timeout));
        var sendError = await Assert.ThrowsAsync<DataPlaneException>(() => send.WaitAsync(Timeout));
        Assert.Contains("ncclRemoteError", receiveError.Message, StringComparison.Ordinal);
        Assert.Contains("ncclRemoteError", sendError.Message, StringComparison.Ordinal);
        Assert.Equal(2, link.Sender.Generation);

        var again = Task.Run(() => link.Sender.Send(2, hidden));
        using var got = await Task.Run(() => link.Receiver.Receive(2)).WaitAsync(Timeout);
        await again.WaitAsync(Timeout);
        Assert.True(got.eq(hidden).all().item<bool>());
        Assert.Contains(("receiver", 2), link.Transport.Joins);
    }

    [Theory]
    [InlineData(2, 9, (int)torch.ScalarType.Float32, "[2, 9]")]
    [InlineData(17, 8, (int)torch.ScalarType.Float32, "[17, 8]")]
    [InlineData(0, 8, (int)torch.ScalarType.Float32, "[0, 8]")]
    [InlineData(2, 8, (int)torch.ScalarType.Int64, "Int64")]
    [InlineData(2, 8, 99, "scalar type 99")]
    public async Task ARefusedNoticeFailsItsStepNamingThePeerAndTheShapeWithNothingAllocated(int rows, int columns, int dtype, string named)
    {
        await using var link = await LinkPair.StartAsync();
        using var raw = link.RawPeer();
        var receive = Task.Run(() => link.Receiver.Receive(5));

        raw.Write(c => c.Send(FrameKind.ActivationNotice, new ActivationNotice(5, (torch.ScalarType)dtype, rows, columns, 1).Encode().Span));

        var ex = await Assert.ThrowsAsync<DataPlaneException>(() => receive.WaitAsync(Timeout));
        Assert.Contains("rank 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Empty(link.Transport.Joins);          // no communicator joined
        Assert.Equal(0, link.Transport.ReceivesPosted);   // and nothing received into
    }

    [Fact]
    public async Task SocketActivationsOnAnNcclLinkAreRefusedSayingTheNodesDisagree()
    {
        await using var link = await LinkPair.StartAsync();
        using var raw = link.RawPeer();
        var receive = Task.Run(() => link.Receiver.Receive(6));

        using var hidden = torch.ones(2, Hidden);
        raw.Write(c => c.Send(FrameKind.Activation, ActivationFrame.Header(6, hidden.dtype, 2, Hidden).Span, hidden.bytes));

        var ex = await Assert.ThrowsAsync<DataPlaneException>(() => receive.WaitAsync(Timeout));
        Assert.Contains("HYC_STAGE_LINK", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSenderRefusesADTypeNcclDoesNotCarryBeforeAnnouncingIt()
    {
        using var sender = new NcclStageSender(
            new DataPlaneHello(DataPlaneRole.Peer, "d", "e1", 1, "t", FromRank: 0), () => throw new InvalidOperationException("nothing may be written"), Timeout,
            _ => throw new InvalidOperationException("nothing may be joined"));
        using var ids = torch.zeros(2, Hidden, torch.ScalarType.Int64);
        Assert.Throws<NotSupportedException>(() => sender.Send(1, ids));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition());
    }

    /// <summary>Rank 1's data-plane server on loopback with an NCCL stage receiver; rank 0's sender connects to it.</summary>
    private sealed class LinkPair : IAsyncDisposable
    {
        private const string Token = "stage-link-test-token";
        private readonly IDisposable _registration;

        private LinkPair(RankDataServer server, CopyingPointToPoint transport)
        {
            Server = server;
            Transport = transport;
            Receiver = new NcclStageReceiver(Hidden, MaxRows, transport.Connector.Device, Timeout, transport.Connector.AsReceiver);
            _registration = server.Register(new RankDataEndpoint("d", "e1", 1, Token, new NoSteps(), Receiver));
            Sender = new NcclStageSender(Hello, () => server.Endpoint, Timeout, transport.Connector.AsSender);
        }

        public RankDataServer Server { get; }

        public CopyingPointToPoint Transport { get; }

        public NcclStageReceiver Receiver { get; }

        public NcclStageSender Sender { get; }

        private static DataPlaneHello Hello => new(DataPlaneRole.Peer, "d", "e1", 1, Token, FromRank: 0);

        public static Task<LinkPair> StartAsync()
        {
            var server = new RankDataServer(IPAddress.Loopback);
            server.Start();
            return Task.FromResult(new LinkPair(server, new CopyingPointToPoint(Timeout)));
        }

        /// <summary>A connection as rank 0 that the test writes frames on by hand.</summary>
        public PeerConnection RawPeer() => new(Hello, () => Server.Endpoint, Timeout);

        public async ValueTask DisposeAsync()
        {
            Sender.Dispose();
            _registration.Dispose();
            await Server.DisposeAsync();
            Receiver.Dispose();
        }
    }

    private sealed class NoSteps : IRankStepRunner
    {
        public void RunStep(StepMessage message, Action<StepOutcome> completed) => throw new InvalidOperationException("no steps in these tests");

        public Task ReleaseAsync(long sequenceId) => Task.CompletedTask;

        public Task ReleaseAllAsync() => Task.CompletedTask;
    }
}
