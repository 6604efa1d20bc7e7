using Hunyuan.Engine.Collectives;
using TorchSharp;

namespace Hunyuan.Engine.Tests.Collectives;

public sealed class InProcessCollectiveHubTests
{
    [Fact]
    public async Task AllReduceAndAllGatherGiveEveryMemberTheSameResult()
    {
        using var hub = new InProcessCollectiveHub(3, TimeSpan.FromSeconds(10));
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Task.Factory.StartNew(() =>
        {
            var group = hub.Member(i);
            using var local = torch.full(2, 2, i + 1.0f);
            using var sum = group.AllReduceSum(local);
            using var gathered = group.AllGather(local, 0);
            return (sum.sum().item<float>(), gathered.shape[0], gathered[4, 0].item<float>());
        }, TaskCreationOptions.LongRunning)));

        Assert.All(results, r =>
        {
            Assert.Equal(24f, r.Item1);       // (1 + 2 + 3) x 4 elements
            Assert.Equal(6, r.Item2);         // 3 members x 2 rows
            Assert.Equal(3f, r.Item3);        // rows 4-5 come from member 2
        });
    }

    [Fact]
    public async Task AMissingMemberTimesOutWithAClearErrorInsteadOfHanging()
    {
        using var hub = new InProcessCollectiveHub(2, TimeSpan.FromMilliseconds(300));
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => Task.Factory.StartNew(() =>
        {
            using var local = torch.ones(2);
            return hub.Member(0).AllReduceSum(local);
        }, TaskCreationOptions.LongRunning));
        Assert.Contains("all-reduce timed out", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 of 2 members", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbortWakesWaitingMembers()
    {
        using var hub = new InProcessCollectiveHub(2, TimeSpan.FromSeconds(30));
        var waiting = Task.Factory.StartNew(() =>
        {
            using var local = torch.ones(2);
            return hub.Member(1).AllGather(local, 0);
        }, TaskCreationOptions.LongRunning);
        await Task.Delay(100);
        hub.Abort("rank 0 failed");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => waiting);
        Assert.Contains("rank 0 failed", ex.Message, StringComparison.Ordinal);
    }
}
