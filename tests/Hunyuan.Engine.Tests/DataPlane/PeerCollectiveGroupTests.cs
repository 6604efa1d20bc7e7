using System.Diagnostics;
using System.Net;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>
/// A tensor-parallel group spanning nodes over the data plane: two members, each behind its own listener on loopback,
/// exchange real parts over TCP. The model-level tests run the whole partition that way; the group-level ones drive
/// the collectives directly, each member on its own thread as ranks do.
/// </summary>
public sealed class PeerCollectiveGroupTests
{
    private const string Deployment = "peers";
    private const string Epoch = "e1";
    private const long Hidden = 8;
    private static readonly LoadOptions Float32 = LoadOptions.Of(torch.ScalarType.Float32);

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public async Task AModelWhoseTensorParallelRanksAreOnDifferentNodesGivesTheReferenceIds(int tp, int pp)
    {
        var fixture = Fixtures.Path("tiny-moe");
        using var golden = new Golden(fixture);
        await using var set = await LoopbackDeployment.LoadAsync(fixture, tp, pp, Float32, tensorParallelAcrossNodes: true);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));

        var ids = await driver.GenerateAsync(7, golden.InputIds, golden.GreedyIds.Length);

        Assert.Equal(golden.GreedyIds, ids);
        Assert.Equal(tp * pp, set.Servers.Count);
    }

    [Fact]
    public async Task ALostTensorParallelPeerFailsTheStepAtOnceNotAfterTheTimeout()
    {
        var fixture = Fixtures.Path("tiny-moe");
        await using var set = await LoopbackDeployment.LoadAsync(fixture, 2, 1, Float32, timeout: TimeSpan.FromSeconds(60), tensorParallelAcrossNodes: true);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        Assert.Equal(2, (await driver.GenerateAsync(1, [5, 6, 7], 2)).Length);

        await set.StopRankAsync(1);
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<DataPlaneException>(() => driver.GenerateAsync(2, [5, 6, 7], 4).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the step failed after {watch.Elapsed.TotalSeconds:F1} s; the collective timeout is 60 s");
    }

    [Fact]
    public async Task MembersSumInMemberOrderAndGatherInMemberOrder()
    {
        await using var pair = Pair.Start();
        var results = await pair.OnBothAsync(1, (g, i) =>
        {
            using var local = torch.full([2, Hidden], i + 1.5f, dtype: torch.ScalarType.Float32, device: torch.CPU);
            using var sum = g.AllReduceSum(local);
            using var gathered = g.AllGather(local, 1);
            return (sum.data<float>().ToArray(), gathered.data<float>().ToArray());
        });

        foreach (var (sum, gathered) in results)
        {
            Assert.All(sum, v => Assert.Equal(4f, v));
            Assert.Equal(2 * 2 * Hidden, gathered.Length);
            Assert.Equal(1.5f, gathered[0]);
            Assert.Equal(2.5f, gathered[Hidden]);
        }
    }

    [Fact]
    public async Task EachCollectiveIsTimedByPhaseAndAPeerStillComputingShowsAsTheOtherMembersWait()
    {
        await using var pair = Pair.Start();
        var before = pair.Groups.Select(g => g.Timings).ToArray();
        var elapsed = await pair.OnBothAsync(1, (g, i) =>
        {
            var watch = Stopwatch.StartNew();
            if (i == 1)
            {
                Thread.Sleep(200);   // member 1 is still computing its part; member 0 has sent its own and waits
            }

            using var local = torch.full([1, Hidden], 1f, dtype: torch.ScalarType.Float32, device: torch.CPU);
            using var sum = g.AllReduceSum(local);
            using var gathered = g.AllGather(local, 1);
            return watch.Elapsed.TotalSeconds;
        });

        var runs = pair.Groups.Select((g, i) => g.Timings - before[i]).ToArray();
        for (var i = 0; i < 2; i++)
        {
            var t = runs[i];
            Assert.Equal(2, t.Collectives);
            Assert.All(new[] { t.SendSeconds, t.WaitSeconds, t.ReceiveSeconds, t.CombineSeconds }, phase => Assert.True(phase >= 0, $"member {i}: {t}"));
            Assert.True(t.SendSeconds + t.WaitSeconds + t.ReceiveSeconds + t.CombineSeconds <= elapsed[i], $"member {i}: {t} within {elapsed[i]} s");
        }

        // The 200 ms member 1 spent before its first collective is member 0's wait, not its send, receive or combine.
        Assert.True(runs[0].WaitSeconds >= 0.1, runs[0].ToString());
        Assert.True(runs[1].WaitSeconds < runs[0].WaitSeconds, $"{runs[1]} against {runs[0]}");
    }

    [Fact]
    public async Task AStepThatFailsOnOneMemberFailsItsPeerAtOnceAndTheNextStepPairsCleanly()
    {
        await using var pair = Pair.Start(timeout: TimeSpan.FromSeconds(60));
        var watch = Stopwatch.StartNew();

        // Member 0 contributes to collective 0 of step 1, then fails before collective 1; member 1 waits in collective 1.
        var failing = pair.OnMember(0, g =>
        {
            g.BeginStep(1);
            using var x = torch.ones([1, Hidden], dtype: torch.ScalarType.Float32, device: torch.CPU);
            using var s = g.AllReduceSum(x);
            g.FailStep(1, "planted failure");
            return true;
        });
        var waiting = pair.OnMember(1, g =>
        {
            g.BeginStep(1);
            using var x = torch.ones([1, Hidden], dtype: torch.ScalarType.Float32, device: torch.CPU);
            using var first = g.AllReduceSum(x);
            using var second = g.AllReduceSum(x);
            return true;
        });
        Assert.True(await failing);
        var failure = await Assert.ThrowsAsync<DataPlaneException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("planted failure", failure.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the peer learned of the failure after {watch.Elapsed.TotalSeconds:F1} s");

        // Step 2 starts at collective 0 on both: nothing of step 1 is paired with it.
        var results = await pair.OnBothAsync(2, (g, i) =>
        {
            using var local = torch.full([1, Hidden], 10f * (i + 1), dtype: torch.ScalarType.Float32, device: torch.CPU);
            using var sum = g.AllReduceSum(local);
            return sum.data<float>()[0];
        });
        Assert.All(results, v => Assert.Equal(30f, v));
    }

    [Fact]
    public async Task APartOfTheWrongShapeFailsThatCollectiveDropsThePeerAndTheGroupServesOn()
    {
        await using var pair = Pair.Start();
        var hello = new DataPlaneHello(DataPlaneRole.TensorPeer, Deployment, Epoch, 0, pair.Token, FromRank: 1);

        // A forged member 1 (it has the token) sends a part wider than any collective of the layout, then one claiming
        // 2^40 rows: each fails member 0's collective naming the shape, and the forged connection is closed.
        var forgedParts = new (long[] Shape, int Bytes)[] { ([1, Hidden + 1], (int)(Hidden + 1) * 4), ([1L << 40, Hidden], 16) };
        var step = 0L;
        foreach (var (shape, bytes) in forgedParts)
        {
            step++;
            await using var forged = await FrameConnection.ConnectAsync(pair.Servers[0].Endpoint, "rank 0", TimeSpan.FromSeconds(5), CancellationToken.None);
            await DataPlaneClient.HandshakeAsync(forged, hello, TimeSpan.FromSeconds(5), CancellationToken.None);
            await forged.SendAsync(FrameKind.CollectivePart, CollectivePartFrame.Header(step, 0, torch.ScalarType.Float32, shape), new byte[bytes]);
            var thisStep = step;
            var failure = await Assert.ThrowsAsync<DataPlaneException>(() => pair.OnMember(0, g =>
            {
                g.BeginStep(thisStep);
                using var local = torch.ones([1, Hidden], dtype: torch.ScalarType.Float32, device: torch.CPU);
                using var sum = g.AllReduceSum(local);
                return true;
            }).WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains($"[{string.Join(", ", shape)}]", failure.Message, StringComparison.Ordinal);
            Assert.Null(await forged.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        // Rank 7 is no member of the group: refused at the hello.
        await using (var stranger = await FrameConnection.ConnectAsync(pair.Servers[0].Endpoint, "rank 0", TimeSpan.FromSeconds(5), CancellationToken.None))
        {
            var refused = await Assert.ThrowsAsync<DataPlaneException>(() =>
                DataPlaneClient.HandshakeAsync(stranger, hello with { FromRank = 7 }, TimeSpan.FromSeconds(5), CancellationToken.None));
            Assert.Contains("rank 7 is not in rank 0's tensor-parallel group", refused.Message, StringComparison.Ordinal);
        }

        // Member 1 connects for real; member 0's parts of the failed steps wait on it and are dropped as stale.
        var results = await pair.OnBothAsync(step + 1, (g, i) =>
        {
            using var local = torch.full([1, Hidden], i + 1f, dtype: torch.ScalarType.Float32, device: torch.CPU);
            using var sum = g.AllReduceSum(local);
            return sum.data<float>()[0];
        });
        Assert.All(results, v => Assert.Equal(3f, v));
    }

    /// <summary>Two members of one group, ranks 0 and 1, each with its own listener ("node") and rank thread.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly List<IDisposable> _owned = [];

        public string Token { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        public List<RankDataServer> Servers { get; } = [];

        public List<PeerCollectiveGroup> Groups { get; } = [];

        public static Pair Start(TimeSpan? timeout = null)
        {
            var pair = new Pair();
            var limits = new CollectiveLimits(16, [Hidden]);
            for (var r = 0; r < 2; r++)
            {
                var server = new RankDataServer(IPAddress.Loopback);
                server.Start();
                pair.Servers.Add(server);
            }

            for (var r = 0; r < 2; r++)
            {
                var group = new PeerCollectiveGroup(Deployment, Epoch, pair.Token, [0, 1], r, rank => pair.Servers[rank].Endpoint, limits, timeout ?? TimeSpan.FromSeconds(30));
                pair.Groups.Add(group);
                pair._owned.Add(group);
                pair._owned.Add(pair.Servers[r].Register(new RankDataEndpoint(Deployment, Epoch, r, pair.Token, new NoSteps(), null, collectives: group.Inbox)));
            }

            return pair;
        }

        /// <summary>Runs <paramref name="body"/> on a dedicated thread, as a rank's compute runs.</summary>
        public Task<T> OnMember<T>(int member, Func<PeerCollectiveGroup, T> body)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    done.SetResult(body(Groups[member]));
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            }) { IsBackground = true };
            thread.Start();
            return done.Task;
        }

        public async Task<T[]> OnBothAsync<T>(long step, Func<PeerCollectiveGroup, int, T> body) =>
            await Task.WhenAll(Enumerable.Range(0, 2).Select(i => OnMember(i, g =>
            {
                g.BeginStep(step);
                return body(g, i);
            }))).WaitAsync(TimeSpan.FromSeconds(30));

        public async ValueTask DisposeAsync()
        {
            foreach (var s in Servers)
            {
                await s.DisposeAsync();
            }

            foreach (var o in _owned)
            {
                o.Dispose();
            }
        }
    }

    /// <summary>The endpoints here only carry collectives; no driver connects, so no step ever runs.</summary>
    private sealed class NoSteps : IRankStepRunner
    {
        public void RunStep(StepMessage message, Action<StepOutcome> completed) => throw new InvalidOperationException("no steps in these tests");

        public Task ReleaseAsync(long sequenceId) => Task.CompletedTask;

        public Task ReleaseAllAsync() => Task.CompletedTask;
    }
}
