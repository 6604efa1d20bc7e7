using System.Text.Json.Nodes;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Model.Tests.SafeTensors;

/// <summary>Bad checkpoints give errors that name the file and the tensor.</summary>
public sealed class SafeTensorsCheckpointTests
{
    [Fact]
    public void AShardedCheckpointOpensThroughItsIndex()
    {
        using var ckpt = SafeTensorsCheckpoint.Open(Fixtures.Path("tiny-moe-bf16-sharded"));
        Assert.Equal(3, ckpt.Files.Count);
        Assert.EndsWith(SafeTensorsCheckpoint.IndexFileName, ckpt.Source, StringComparison.Ordinal);
        Assert.Equal(0, ckpt.BytesRead);
        using var t = ckpt.Read("model.norm.weight");
        Assert.Equal(t.NumberOfElements * t.ElementSize, ckpt.BytesRead);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe"), dir.Path);
        const string victim = "model.layers.2.self_attn.k_proj.weight";
        CheckpointSurgery.Rewrite(dir.File("model.safetensors"), (name, t) => name == victim ? null : t);

        var ex = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path, torch.ScalarType.Float32));
        Assert.Equal(victim, ex.Tensor);
        Assert.Equal(dir.File("model.safetensors"), ex.File);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongShapeIsNamed()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe"), dir.Path);
        const string victim = "model.layers.1.mlp.experts.3.down_proj.weight";
        CheckpointSurgery.Rewrite(dir.File("model.safetensors"), (name, t) => name == victim ? t.narrow(1, 0, 100).contiguous() : t);

        var ex = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path, torch.ScalarType.Float32));
        Assert.Equal(victim, ex.Tensor);
        Assert.Contains("shape [64, 100], expected [64, 128]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongDTypeIsNamed()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe"), dir.Path);
        const string victim = "model.norm.weight";
        CheckpointSurgery.Rewrite(dir.File("model.safetensors"), (name, t) => name == victim ? t.to(torch.ScalarType.Int64) : t);

        var ex = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path, torch.ScalarType.Float32));
        Assert.Equal(victim, ex.Tensor);
        Assert.Contains("dtype I64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedShardIsNamed()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe-bf16-sharded"), dir.Path);
        var shard = dir.File("model-00002-of-00003.safetensors");
        using (var fs = new FileStream(shard, FileMode.Open))
        {
            fs.SetLength(fs.Length / 2);
        }

        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsCheckpoint.Open(dir.Path));
        Assert.Equal(shard, ex.File);
        Assert.NotNull(ex.Tensor);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingShardIsNamedWithTheIndex()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe-bf16-sharded"), dir.Path);
        File.Delete(dir.File("model-00003-of-00003.safetensors"));

        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsCheckpoint.Open(dir.Path));
        Assert.Equal(dir.File(SafeTensorsCheckpoint.IndexFileName), ex.File);
        Assert.Contains("model-00003-of-00003.safetensors does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIndexEntryAbsentFromItsShardIsNamed()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe-bf16-sharded"), dir.Path);
        var indexPath = dir.File(SafeTensorsCheckpoint.IndexFileName);
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        index["weight_map"]!["model.layers.0.extra.weight"] = "model-00001-of-00003.safetensors";
        File.WriteAllText(indexPath, index.ToJsonString());

        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsCheckpoint.Open(dir.Path));
        Assert.Equal("model.layers.0.extra.weight", ex.Tensor);
        Assert.Equal(dir.File("model-00001-of-00003.safetensors"), ex.File);
    }

    [Fact]
    public void AnEmptyDirectoryIsNamed()
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsCheckpoint.Open(dir.Path));
        Assert.Equal(dir.Path, ex.File);
    }
}
