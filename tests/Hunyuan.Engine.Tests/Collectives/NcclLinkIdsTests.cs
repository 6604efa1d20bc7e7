using Hunyuan.Engine.Collectives.Nccl;

namespace Hunyuan.Engine.Tests.Collectives;

public sealed class NcclLinkIdsTests
{
    [Fact]
    public void AUniqueIdRoundTripsThroughItsBytesAndAWrongLengthIsRefused()
    {
        var bytes = Enumerable.Range(0, NcclUniqueId.Size).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal(bytes, NcclUniqueId.FromBytes(bytes).ToArray());
        Assert.Throws<ArgumentException>(() => NcclUniqueId.FromBytes(bytes.AsSpan(1)));
    }

    [Fact]
    public async Task ALookupWaitsForAnIdPublishedAfterTheNoticeAndKeepsGenerationsApart()
    {
        var ids = new NcclLinkIds();
        var asked = ids.WaitAsync(2, TimeSpan.FromSeconds(10));
        Assert.False(asked.IsCompleted);

        ids.Publish(1, NcclUniqueId.FromBytes(new byte[NcclUniqueId.Size]));
        ids.Publish(2, NcclUniqueId.FromBytes(Enumerable.Repeat((byte)2, NcclUniqueId.Size).ToArray()));

        var got = await asked.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Repeat((byte)2, NcclUniqueId.Size), got!.Value.ToArray());
        Assert.Equal(new byte[NcclUniqueId.Size], (await ids.WaitAsync(1, TimeSpan.FromSeconds(1)))!.Value.ToArray());
    }

    [Fact]
    public async Task AnIdNeverPublishedIsNullAfterTheWait() => Assert.Null(await new NcclLinkIds().WaitAsync(1, TimeSpan.FromMilliseconds(100)));
}
