using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Model.Tests.SafeTensors;

public sealed class SafeTensorsFileTests
{
    [Fact]
    public void EveryDTypeRoundTrips()
    {
        using var dir = new TempDirectory();
        var path = dir.File("all.safetensors");
        using var f32 = torch.randn(3, 5);
        using var bf16 = f32.to(torch.ScalarType.BFloat16);
        using var f16 = f32.to(torch.ScalarType.Float16);
        using var f8 = f32.to(SafeTensorDTypes.Float8E4M3);
        using var i64 = torch.arange(7L);
        SafeTensorsWriter.Write(path, [new("a", f32), new("b", bf16), new("c", f16), new("d", f8), new("e", i64)]);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(SafeTensorDType.F8_E4M3, file.Get("d").DType);
        foreach (var (name, original) in new[] { ("a", f32), ("b", bf16), ("c", f16), ("d", f8), ("e", i64) })
        {
            using var back = file.Read(file.Get(name));
            Assert.Equal(original.dtype, back.dtype);
            Assert.Equal(original.shape, back.shape);
            Assert.True(original.bytes.SequenceEqual(back.bytes), $"{name}: bytes differ");
        }
    }

    [Fact]
    public void ASliceReadsOnlyItsBytes()
    {
        using var dir = new TempDirectory();
        var path = dir.File("w.safetensors");
        using var w = torch.arange(0, 6 * 8, dtype: torch.ScalarType.Float32).reshape(6, 8);
        using var other = torch.zeros(1000);
        SafeTensorsWriter.Write(path, [new("w", w), new("other", other)]);

        using var file = SafeTensorsFile.Open(path);
        using (var rows = file.ReadSlice(file.Get("w"), 0, 2, 3))
        {
            Assert.True(rows.equal(w.narrow(0, 2, 3)).all().item<bool>());
        }

        Assert.Equal(3 * 8 * 4, file.BytesRead);
        using (var cols = file.ReadSlice(file.Get("w"), 1, 4, 2))
        {
            Assert.True(cols.equal(w.narrow(1, 4, 2)).all().item<bool>());
        }

        Assert.Equal((3 * 8 * 4) + (6 * 2 * 4), file.BytesRead);
    }

    [Fact]
    public void ATruncatedFileNamesTheFileAndTheTensor()
    {
        using var dir = new TempDirectory();
        var path = dir.File("t.safetensors");
        using var a = torch.ones(4, 4);
        using var b = torch.ones(64, 64);
        SafeTensorsWriter.Write(path, [new("first", a), new("second", b)]);
        using (var fs = new FileStream(path, FileMode.Open))
        {
            fs.SetLength(fs.Length - 100);
        }

        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));
        Assert.Equal(path, ex.File);
        Assert.Equal("second", ex.Tensor);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "truncated")]
    [InlineData(new byte[] { 255, 255, 255, 255, 255, 255, 255, 127, 0 }, "header length")]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', (byte)':', (byte)'}' }, "not valid JSON")]
    public void AMalformedFileIsReported(byte[] content, string problem)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, content);
        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.File);
    }
}
