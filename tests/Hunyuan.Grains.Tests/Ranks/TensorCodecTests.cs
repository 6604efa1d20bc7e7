using Hunyuan.Grains.Ranks;
using TorchSharp;

namespace Hunyuan.Grains.Tests.Ranks;

public sealed class TensorCodecTests
{
    [Fact]
    public void ALargeTensorIsCutIntoChunksAndReassembled()
    {
        using var t = torch.randn(300, 1000).to(torch.ScalarType.BFloat16);    // 600,000 bytes
        var chunks = TensorCodec.Encode("pp|7", t, maxChunkBytes: 100_000);
        Assert.Equal(6, chunks.Count);
        Assert.All(chunks, c => Assert.True(c.Data.Length <= 100_000));

        var mailbox = new RankMailbox();
        foreach (var c in chunks.Reverse())
        {
            mailbox.Deliver(c);
        }

        var (dtype, shape, data) = mailbox.Take("pp|7", TimeSpan.FromSeconds(1));
        using var back = TensorCodec.Decode(dtype, shape, data);
        Assert.Equal(t.shape, back.shape);
        Assert.True(back.equal(t).all().item<bool>());
        Assert.Equal(0, mailbox.Pending);
    }

    [Fact]
    public void ATakeThatNeverArrivesTimesOutNamingTheTag()
    {
        var mailbox = new RankMailbox();
        var ex = Assert.Throws<TimeoutException>(() => mailbox.Take("pp|99", TimeSpan.FromMilliseconds(100)));
        Assert.Contains("pp|99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATakeWaitsForDeliveryFromAnotherThread()
    {
        var mailbox = new RankMailbox();
        using var t = torch.arange(10, dtype: torch.ScalarType.Float32);
        var taker = Task.Factory.StartNew(() => mailbox.Take("tp|1|0", TimeSpan.FromSeconds(10)), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        foreach (var c in TensorCodec.Encode("tp|1|0", t))
        {
            mailbox.Deliver(c);
        }

        var (dtype, shape, data) = await taker;
        using var back = TensorCodec.Decode(dtype, shape, data);
        Assert.Equal(45f, back.sum().item<float>());
    }
}
