using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Model.Tests.Checkpoints;

public sealed class BuiltInModelsTests
{
    [Fact]
    public void APathIsReturnedAsGivenAndNothingIsCreated()
    {
        using var home = new TempDirectory();
        Assert.Equal("/no/such/model", BuiltInModels.Resolve("/no/such/model", home.Path));
        Assert.False(Directory.Exists(Path.Combine(home.Path, "models")));
    }

    [Fact]
    public void TinyIsCreatedOnceUnderTheGivenHome()
    {
        using var home = new TempDirectory();
        var lines = new List<string>();
        var dir = BuiltInModels.Resolve("tiny", home.Path, lines.Add);
        Assert.Equal(Path.Combine(home.Path, "models", "tiny"), dir);
        Assert.Null(ModelSource.Problem(dir));
        Assert.Single(lines);

        var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir, SafeTensorsCheckpoint.SingleFileName));
        Assert.Equal(dir, BuiltInModels.Resolve("tiny", home.Path, lines.Add));
        Assert.Single(lines);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dir, SafeTensorsCheckpoint.SingleFileName)));
        Assert.Equal(["tiny"], Directory.GetFileSystemEntries(Path.Combine(home.Path, "models")).Select(Path.GetFileName));
    }

    [Fact]
    public void ADirectoryMadeWithOtherShapesIsRebuilt()
    {
        using var home = new TempDirectory();
        var dir = BuiltInModels.Resolve("tiny", home.Path);
        var config = Path.Combine(dir, HunyuanConfig.FileName);
        File.WriteAllText(config, (RandomModelOptions.Tiny with { Layers = 2 }).ToConfig().ToJson());
        File.WriteAllText(Path.Combine(dir, "leftover"), "from an older version");

        var lines = new List<string>();
        Assert.Equal(dir, BuiltInModels.Resolve("tiny", home.Path, lines.Add));
        Assert.Contains(lines, l => l.Contains("recreating", StringComparison.Ordinal));
        Assert.Equal(RandomModelOptions.Tiny.ToConfig().ToJson(), File.ReadAllText(config));
        Assert.False(File.Exists(Path.Combine(dir, "leftover")));
        Assert.Equal(["tiny"], Directory.GetFileSystemEntries(Path.Combine(home.Path, "models")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ConcurrentCreatorsLeaveOneCompleteDirectoryWithTheSameWeights()
    {
        using var home = new TempDirectory();
        using var start = new Barrier(4);
        var creators = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return BuiltInModels.Resolve("tiny", home.Path);
        })).ToArray();
        var dirs = await Task.WhenAll(creators);

        var dir = Assert.Single(dirs.Distinct());
        Assert.True(BuiltInModels.IsCurrent(dir, RandomModelOptions.Tiny));
        Assert.Equal(["tiny"], Directory.GetFileSystemEntries(Path.Combine(home.Path, "models")).Select(Path.GetFileName));

        // The seed fixes the weights: another home gets the same bytes, which is what lets every host make its own.
        using var other = new TempDirectory();
        var copy = BuiltInModels.Resolve("tiny", other.Path);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(dir, SafeTensorsCheckpoint.SingleFileName)),
            File.ReadAllBytes(Path.Combine(copy, SafeTensorsCheckpoint.SingleFileName)));
    }

    [Fact]
    public void ModelSourceResolvesTheBuiltInUnderThisHomeNotTheOperatorsPath()
    {
        using var home = new TempDirectory();
        var dir = ModelSource.Resolve("/home/operator/.hyc/models/tiny", "tiny", home.Path);
        Assert.Equal(Path.Combine(home.Path, "models", "tiny"), dir);
        Assert.Equal("/data/m", ModelSource.Resolve("/data/m", null, home.Path));
        Assert.Throws<ArgumentException>(() => ModelSource.Resolve("/x", "huge", home.Path));
    }

    [Fact]
    public void ProblemNamesWhatIsMissing()
    {
        using var dir = new TempDirectory();
        Assert.Contains("no such directory", ModelSource.Problem(dir.File("absent")), StringComparison.Ordinal);
        Assert.Contains("config.json: no such file", ModelSource.Problem(dir.Path), StringComparison.Ordinal);
        File.WriteAllText(dir.File(HunyuanConfig.FileName), "{}");
        Assert.Contains(SafeTensorsCheckpoint.IndexFileName, ModelSource.Problem(dir.Path), StringComparison.Ordinal);
        File.WriteAllText(dir.File(SafeTensorsCheckpoint.IndexFileName), "{}");
        Assert.Null(ModelSource.Problem(dir.Path));
    }
}
