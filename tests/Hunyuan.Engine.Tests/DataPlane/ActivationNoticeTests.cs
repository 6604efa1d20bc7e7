using Hunyuan.Engine.DataPlane;
using TorchSharp;

namespace Hunyuan.Engine.Tests.DataPlane;

public sealed class ActivationNoticeTests
{
    [Fact]
    public void ANoticeRoundTripsInTwentyFourBytes()
    {
        var notice = new ActivationNotice(long.MaxValue - 3, torch.ScalarType.BFloat16, 4096, 6400, 7);
        var wire = notice.Encode();

        Assert.Equal(ActivationNotice.Bytes, wire.Length);
        Assert.Equal(notice, ActivationNotice.Decode(wire.ToArray()));
    }

    [Fact]
    public void ATruncatedOrPaddedNoticeIsRefused()
    {
        var wire = new ActivationNotice(1, torch.ScalarType.Float32, 2, 8, 1).Encode().ToArray();
        Assert.Throws<InvalidDataException>(() => ActivationNotice.Decode(wire[..^1]));
        Assert.Throws<InvalidDataException>(() => ActivationNotice.Decode([.. wire, 0]));
    }

    [Theory]
    [InlineData(1, 8, (int)torch.ScalarType.Float32, 1)]
    [InlineData(16, 8, (int)torch.ScalarType.BFloat16, 1)]
    [InlineData(3, 8, (int)torch.ScalarType.Float16, 9)]
    [InlineData(3, 8, 24, 1)]   // float8_e4m3fn, which TorchSharp 0.107 has no member for
    public void NoticesWithinTheBoundsAreAccepted(int rows, int columns, int dtype, int generation) =>
        Assert.Null(new ActivationNotice(1, (torch.ScalarType)dtype, rows, columns, generation).Refusal(8, 16, "rank 0"));

    [Theory]
    [InlineData(2, 9, (int)torch.ScalarType.Float32, 1, "expects [rows, 8]")]
    [InlineData(17, 8, (int)torch.ScalarType.Float32, 1, "1 to 16 rows")]
    [InlineData(-1, 8, (int)torch.ScalarType.Float32, 1, "1 to 16 rows")]
    [InlineData(2, 8, (int)torch.ScalarType.Int64, 1, "not a dtype")]
    [InlineData(2, 8, 99, 1, "not a dtype")]
    [InlineData(2, 8, (int)torch.ScalarType.Float32, 0, "generations start at 1")]
    public void NoticesOutsideTheBoundsAreRefusedNamingPeerStepAndShape(int rows, int columns, int dtype, int generation, string why)
    {
        var refusal = new ActivationNotice(12, (torch.ScalarType)dtype, rows, columns, generation).Refusal(8, 16, "rank 3 (10.0.0.2:4100)");

        Assert.NotNull(refusal);
        Assert.Contains("rank 3 (10.0.0.2:4100)", refusal, StringComparison.Ordinal);
        Assert.Contains("step 12", refusal, StringComparison.Ordinal);
        Assert.Contains($"[{rows}, {columns}]", refusal, StringComparison.Ordinal);
        Assert.Contains(why, refusal, StringComparison.Ordinal);
    }
}
