using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Config;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Model;

public sealed class InitTinyCommandTests
{
    [Fact]
    public async Task WritesTheRealLayoutThatInspectAccepts()
    {
        using var dir = new TempDirectory();
        var model = dir.File("m");
        var r = await HycRunner.InProcess("model", "init-tiny", model, "--seed", "5", "--dtype", "fp32", "--layers", "6", "--experts", "8", "--topk", "2", "--shards", "3", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var config = HunyuanConfig.Load(model);
        Assert.Equal(6, config.NumHiddenLayers);
        Assert.Equal(8, config.NumExperts);
        Assert.Equal("float32", config.TorchDType);
        Assert.True(File.Exists(Path.Combine(model, "model.safetensors.index.json")));

        var inspect = await HycRunner.InProcess("model", "inspect", model);
        Assert.True(inspect.ExitCode == ExitCodes.Success, inspect.ToString());
    }

    [Fact]
    public async Task SameSeedSameWeights()
    {
        using var dir = new TempDirectory();
        await HycRunner.InProcess("model", "init-tiny", dir.File("a"), "--seed", "9");
        await HycRunner.InProcess("model", "init-tiny", dir.File("b"), "--seed", "9");
        await HycRunner.InProcess("model", "init-tiny", dir.File("c"), "--seed", "10");
        var a = File.ReadAllBytes(Path.Combine(dir.File("a"), "model.safetensors"));
        Assert.Equal(a, File.ReadAllBytes(Path.Combine(dir.File("b"), "model.safetensors")));
        Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(dir.File("c"), "model.safetensors")));
    }

    [Fact]
    public async Task RefusesANonEmptyDirectoryAndLeavesItAlone()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("keep.txt"), "mine");
        var r = await HycRunner.InProcess("model", "init-tiny", dir.Path);
        Assert.Equal(ExitCodes.FileError, r.ExitCode);
        Assert.Equal(["keep.txt"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task AnImpossibleShapeIsRefusedWithTheKey()
    {
        using var dir = new TempDirectory();
        var r = await HycRunner.InProcess("model", "init-tiny", dir.File("m"), "--heads", "5");
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains("num_attention_heads", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("m")));
    }
}
