using System.Net.Sockets;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>Steps over the real data plane on loopback: the reference's ids, failures that stay with their batch, leases, bad peers.</summary>
public sealed class DataPlaneDriverTests
{
    private static readonly LoadOptions Float32 = LoadOptions.Of(TorchSharp.torch.ScalarType.Float32);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    public async Task GreedyIdsOverTheDataPlaneEqualTheReference(int tp, int pp)
    {
        var fixture = Fixtures.Path("tiny-moe");
        using var golden = new Golden(fixture);
        await using var set = await LoopbackDeployment.LoadAsync(fixture, tp, pp, Float32);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));

        var ids = await driver.GenerateAsync(7, golden.InputIds, golden.GreedyIds.Length);

        Assert.Equal(golden.GreedyIds, ids);
        Assert.Equal(pp, driver.PipelineDepth);
    }

    [Fact]
    public async Task AFailedBatchFailsAloneAndTheOtherSequenceContinues()
    {
        var fixture = Fixtures.Path("tiny-moe");
        using var golden = new Golden(fixture);
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 2, 2, Float32);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        var greedy = SamplingParameters.Greedy;

        // The good sequence prefills, then a batch naming a sequence no rank holds fails, then the good one decodes on.
        var next = (await driver.StepAsync([new ExecutorSequence(1, 0, golden.InputIds, null, greedy, golden.InputIds.Length)], CancellationToken.None))[0].Token;
        var failure = await Assert.ThrowsAsync<DataPlaneStepException>(() =>
            driver.StepAsync([new ExecutorSequence(2, 5, [1L], null, greedy, 5)], CancellationToken.None));
        Assert.Contains("holds 0 tokens of sequence 2; the step starts at 5", failure.Message, StringComparison.Ordinal);
        Assert.False(failure.CollectivesAffected);

        var ids = new List<long> { next };
        var position = golden.InputIds.Length;
        while (ids.Count < golden.GreedyIds.Length)
        {
            ids.Add((await driver.StepAsync([new ExecutorSequence(1, position++, [ids[^1]], null, greedy, golden.InputIds.Length)], CancellationToken.None))[0].Token);
        }

        Assert.Equal(golden.GreedyIds, ids);
        Assert.Null(driver.Broken);
    }

    [Fact]
    public async Task AnOutOfVocabularyTokenFailsItsStepOnEveryStageAtOnce()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));

        // Only stage 0 embeds; stage 1 must hear of the failure from stage 0, not wait out its 30 s receive timeout.
        var failure = await Assert.ThrowsAsync<DataPlaneStepException>(() =>
            driver.StepAsync([new ExecutorSequence(3, 0, [1L, 999_999L], null, SamplingParameters.Greedy, 2)], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("outside the vocabulary", failure.Message, StringComparison.Ordinal);

        var ok = await driver.GenerateAsync(4, [1, 2, 3], 2);
        Assert.Equal(2, ok.Length);
    }

    [Fact]
    public async Task ANewerLeaseTakesOverAndTheStaleDriversStepsAreRejected()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);
        await using var first = await DataPlaneDriver.ConnectAsync(set.Target(5));
        await using var second = await DataPlaneDriver.ConnectAsync(set.Target(6));

        // The stale driver's first step is refused and breaks it: every later step fails at once, without a round trip.
        var stale = await Assert.ThrowsAsync<DataPlaneException>(() => first.GenerateAsync(1, [1, 2, 3], 2));
        Assert.Contains("lease 5", stale.Message, StringComparison.Ordinal);
        Assert.True(first.Superseded);
        Assert.Contains("now serves lease 6", first.Broken, StringComparison.Ordinal);
        Assert.Equal(first.Broken, (await Assert.ThrowsAsync<DataPlaneException>(() => first.StepAsync([new ExecutorSequence(3, 0, [1], null, SamplingParameters.Greedy, 1)], CancellationToken.None))).Message.Split(": ", 2)[1]);
        Assert.Equal(2, (await second.GenerateAsync(2, [1, 2, 3], 2)).Length);
        Assert.Null(second.Broken);

        var refused = await Assert.ThrowsAsync<DataPlaneException>(() => DataPlaneDriver.ConnectAsync(set.Target(4)));
        Assert.Contains("lease 4 is stale", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongTokenOrEpochIsRefusedWithoutNamingTheToken()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);

        var wrongToken = await Assert.ThrowsAsync<DataPlaneException>(() => DataPlaneDriver.ConnectAsync(set.Target(1) with { Token = "guess" }));
        Assert.Contains("wrong data-plane token", wrongToken.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(set.Token, wrongToken.Message, StringComparison.Ordinal);

        var wrongEpoch = await Assert.ThrowsAsync<DataPlaneException>(() => DataPlaneDriver.ConnectAsync(set.Target(1) with { Epoch = "e0" }));
        Assert.Contains("is at epoch e1, not e0", wrongEpoch.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageAndHalfFramesAreDroppedAndTheRanksServeOn()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);
        var (host, port) = DataEndpoints.Parse(set.Servers[1].Endpoint);

        // Garbage: a frame header declaring a 2 GiB hello. The server must drop it without allocating that.
        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync(host, port);
            var stream = garbage.GetStream();
            await stream.WriteAsync(new byte[] { 1, 0xff, 0xff, 0xff, 0x7f });
            Assert.Equal(0, await ReadToEndAsync(stream));
        }

        // Half a frame, then the client goes away.
        using (var half = new TcpClient())
        {
            await half.ConnectAsync(host, port);
            await half.GetStream().WriteAsync(new byte[] { 1, 40, 0, 0, 0, 1, 2, 3 });
        }

        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        Assert.Equal(3, (await driver.GenerateAsync(1, [5, 6, 7], 3)).Length);
    }

    [Fact]
    public async Task ActivationsOfTheWrongSizeFailThatStepAndDropThePeer()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);
        var hidden = set.Plan.Config.HiddenSize;

        // A forged "stage 0" with the right token sends step activations of the wrong width to stage 1. Stage 1's thread
        // reads its link only when a step needs it, so the frame is read by the first step, unless the real stage 0's
        // connection replaced the forged one first (then the forged one is dropped unread).
        var hello = new DataPlaneHello(DataPlaneRole.Peer, LoopbackDeployment.Deployment, LoopbackDeployment.Epoch, 1, set.Token, FromRank: 0);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        await using (var forged = await FrameConnection.ConnectAsync(set.EndpointOf(1), "rank 1", TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            await DataPlaneClient.HandshakeAsync(forged, hello, TimeSpan.FromSeconds(5), CancellationToken.None);
            var header = ActivationFrame.Header(1, TorchSharp.torch.ScalarType.Float32, 1, hidden + 1);
            await forged.SendAsync(FrameKind.Activation, header, new byte[(hidden + 1) * 4]);
            try
            {
                await driver.GenerateAsync(1, [5, 6, 7], 2);
            }
            catch (DataPlaneStepException ex)
            {
                Assert.Contains($"activations of [1, {hidden + 1}]; this rank expects [rows, {hidden}]", ex.Message, StringComparison.Ordinal);
            }

            Assert.Null(await forged.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        // The real pipeline reconnects its own link and serves.
        Assert.Equal(2, (await driver.GenerateAsync(2, [5, 6, 7], 2)).Length);
        Assert.Null(driver.Broken);
    }

    [Fact]
    public async Task ALostRankFailsTheStepsInFlightAtOnceAndBreaksTheDriver()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        Assert.Equal(2, (await driver.GenerateAsync(1, [5, 6, 7], 2)).Length);

        await set.StopStageAsync(1);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => driver.GenerateAsync(2, [5, 6, 7], 4).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsType<DataPlaneException>(failure);
        Assert.NotNull(driver.Broken);
        await Assert.ThrowsAsync<DataPlaneException>(() => driver.StepAsync([new ExecutorSequence(3, 0, [1L], null, SamplingParameters.Greedy, 1)], CancellationToken.None));
    }

    [Fact]
    public async Task EachRanksShareOfAStepIsASpanOfTheDriversStepSpan()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        var spans = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = EngineSpans(spans);

        using (var step = new System.Diagnostics.Activity("the scheduler's batch").Start())
        {
            await driver.StepAsync([new ExecutorSequence(1, 0, [1L, 2L, 3L], null, SamplingParameters.Greedy, 3)], CancellationToken.None);
            // Other tests in this process may trace too: only this trace's spans count.
            var rankSpans = spans.Where(a => a.OperationName == "hyc.rank.step" && a.TraceId == step.TraceId).ToList();
            Assert.Equal(2, rankSpans.Count);
            Assert.All(rankSpans, a =>
            {
                Assert.Equal(step.SpanId, a.ParentSpanId);
                Assert.Equal(3, a.GetTagItem("hyc.step.tokens"));
            });
            Assert.Equal([0, 1], rankSpans.Select(a => (int)a.GetTagItem("hyc.rank")!).Order());
        }
    }

    [Fact]
    public async Task ActivationsOfTheLastDriversNextStepsArrivingAfterATakeOverNeverFeedTheNewDriversSteps()
    {
        var fixture = Fixtures.Path("tiny-moe");
        using var golden = new Golden(fixture);
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 1, 2, Float32);
        var spans = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = EngineSpans(spans);

        // The old holder's one step, traced to learn its id (other tests in this process may trace too).
        long last;
        await using (var old = await DataPlaneDriver.ConnectAsync(set.Target(5)))
        using (var trace = new System.Diagnostics.Activity("the old holder").Start())
        {
            await old.GenerateAsync(1, [5, 6, 7], 1);
            last = spans.Where(a => a.TraceId == trace.TraceId && a.OperationName == "hyc.rank.step").Select(a => (long)a.GetTagItem("hyc.step.id")!).Max();
        }

        // A new holder resets the ranks; then stage 0's output for the old holder's next steps reaches stage 1 (one row
        // each, as a decode step has), as when they were on the wire during the take-over.
        await using var taker = await DataPlaneDriver.ConnectAsync(set.Target(6));
        var hello = new DataPlaneHello(DataPlaneRole.Peer, LoopbackDeployment.Deployment, LoopbackDeployment.Epoch, 1, set.Token, FromRank: 0);
        await using var late = await FrameConnection.ConnectAsync(set.EndpointOf(1), "rank 1", TimeSpan.FromSeconds(5), CancellationToken.None);
        await DataPlaneClient.HandshakeAsync(late, hello, TimeSpan.FromSeconds(5), CancellationToken.None);
        var hidden = (int)set.Plan.Config.HiddenSize;
        for (var step = last + 1; step <= last + golden.GreedyIds.Length; step++)
        {
            await late.SendAsync(FrameKind.Activation, ActivationFrame.Header(step, TorchSharp.torch.ScalarType.Float32, 1, hidden), new byte[hidden * 4]);
        }

        // The new holder's generation is the reference's: none of its steps took the stale rows.
        Assert.Equal(golden.GreedyIds, await taker.GenerateAsync(2, golden.InputIds, golden.GreedyIds.Length));
    }

    /// <summary>Records every finished span of the engine's source (the caller filters by its own trace).</summary>
    private static System.Diagnostics.ActivityListener EngineSpans(System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity> spans)
    {
        var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == EngineTelemetry.SourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static async Task<int> ReadToEndAsync(NetworkStream stream)
    {
        var buffer = new byte[64];
        var total = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        while ((n = await stream.ReadAsync(buffer, cts.Token)) > 0)
        {
            total += n;
        }

        return total;
    }
}
