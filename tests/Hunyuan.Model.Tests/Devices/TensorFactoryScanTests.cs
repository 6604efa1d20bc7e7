namespace Hunyuan.Model.Tests.Devices;

public sealed class TensorFactoryScanTests
{
    [Fact]
    public void EveryTensorFactoryInTheModelAndEngineNamesItsDevice()
    {
        var root = TensorFactoryScan.RepositoryRoot();
        var offenders = TensorFactoryScan.ScanTree(root, "src/Hunyuan.Model", "src/Hunyuan.Engine");
        Assert.True(offenders.Count == 0, "tensor factories without device: (add the rank's device, or justify the file in TensorFactoryScan.AllowList):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheAllowListNamesFilesThatExist()
    {
        var root = TensorFactoryScan.RepositoryRoot();
        Assert.All(TensorFactoryScan.AllowList.Keys, f => Assert.True(File.Exists(Path.Combine(root, f)), $"{f} is allow-listed but gone"));
    }

    [Fact]
    public void APlantedOffenderIsCaught()
    {
        const string source = """
            var ok = torch.zeros([2, 3], dtype: torch.ScalarType.Float32, device: device);
            var nested = torch.tensor(ids.Select(i => f(i, 2)).ToArray(), dtype: torch.ScalarType.Int64, device: d);
            var bad = torch.zeros([n, Math.Max(1, m)], dtype: torch.ScalarType.Float32);
            var alsoBad = torch.arange (0, 10);
            var fine = torch.zeros_like(x);
            """;
        var found = TensorFactoryScan.Offenders("planted.cs", source).ToArray();
        Assert.Equal(["planted.cs:3: torch.zeros(...) without device:", "planted.cs:4: torch.arange(...) without device:"], found);
    }

    [Fact]
    public void APlantedFileInTheTreeFailsTheScan()
    {
        using var dir = new TestSupport.TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "src/Hunyuan.Model/Modeling"));
        File.WriteAllText(Path.Combine(dir.Path, "src/Hunyuan.Model/Modeling/Planted.cs"), "class P { object M() => torch.ones(3); }");
        var offenders = TensorFactoryScan.ScanTree(dir.Path, "src/Hunyuan.Model");
        Assert.Equal(["src/Hunyuan.Model/Modeling/Planted.cs:1: torch.ones(...) without device:"], offenders);
    }
}
