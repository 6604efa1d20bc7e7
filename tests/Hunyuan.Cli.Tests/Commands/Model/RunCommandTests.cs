using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Model;

public sealed class RunCommandTests
{
    [Fact]
    public async Task JsonAndLogitsOutMatchTheFixture()
    {
        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        using var dir = new TempDirectory();
        var logitsFile = dir.File("logits.safetensors");
        var r = await HycRunner.InProcess("model", "run", Fixtures.Path("tiny-moe"), "--ids", string.Join(",", golden.InputIds),
            "--generate", golden.GreedyIds.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dtype", "float32", "--logits-out", logitsFile, "--json");

        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        Assert.Equal(golden.GreedyIds, json.GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(golden.InputIds.Length, json.GetProperty("prompt_tokens").GetInt32());
        Assert.True(json.GetProperty("prefill_ms").GetDouble() > 0);
        Assert.True(json.GetProperty("decode_tokens_per_s").GetDouble() > 0);

        using var file = SafeTensorsFile.Open(logitsFile);
        var info = file.Get("logits");
        Assert.Equal(SafeTensorDType.F32, info.DType);
        using var logits = file.Read(info);
        var diff = (logits - golden.Logits).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"--logits-out differs from the fixture by {diff:E3}");
    }

    [Theory]
    [InlineData("4", "2", "ep")]
    [InlineData("2", "2", "tp")]
    public async Task PartitionedRunsGiveTheSameIds(string tp, string pp, string experts)
    {
        using var golden = new Golden(Fixtures.Path("tiny-moe"));
        var r = await HycRunner.InProcess("model", "run", Fixtures.Path("tiny-moe"), "--ids", string.Join(",", golden.InputIds),
            "--generate", golden.GreedyIds.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dtype", "float32",
            "--tp", tp, "--pp", pp, "--experts", experts, "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        Assert.Equal(golden.GreedyIds, r.Json().GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(int.Parse(tp, System.Globalization.CultureInfo.InvariantCulture), r.Json().GetProperty("tp").GetInt32());
    }

    [Fact]
    public async Task AnInvalidLayoutExitsWithInvalidLayout()
    {
        var r = await HycRunner.InProcess("model", "run", Fixtures.Path("tiny-moe"), "--ids", "1", "--tp", "3");
        Assert.Equal(ExitCodes.InvalidLayout, r.ExitCode);
        Assert.Contains("does not divide the 4 attention heads", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,x,3", "element 2 ('x')")]
    [InlineData("1,-2", "element 2 ('-2')")]
    [InlineData("1,99999", "element 2 (99999) is outside the vocabulary of 512")]
    public async Task BadIdsAreNamed(string ids, string message)
    {
        var r = await HycRunner.InProcess("model", "run", Fixtures.Path("tiny-moe"), "--ids", ids);
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.Empty(r.Stdout);
    }

    [Fact]
    public async Task ABrokenCheckpointExitsWithBadCheckpointAndNamesTheTensor()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe"), dir.Path);
        CheckpointSurgery.Rewrite(dir.File("model.safetensors"), (name, t) => name == "model.norm.weight" ? null : t);
        var r = await HycRunner.InProcess("model", "run", dir.Path, "--ids", "1,2");
        Assert.Equal(ExitCodes.BadCheckpoint, r.ExitCode);
        Assert.Contains("model.norm.weight", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadConfigKeyExitsWithBadConfigAndNamesTheKey()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe"), dir.Path);
        File.WriteAllText(dir.File("config.json"), File.ReadAllText(dir.File("config.json")).Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3", StringComparison.Ordinal));
        var r = await HycRunner.InProcess("model", "run", dir.Path, "--ids", "1,2");
        Assert.Equal(ExitCodes.BadConfig, r.ExitCode);
        Assert.Contains("'num_key_value_heads'", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The README's main job, as a real process on a fresh HYC_HOME: creates the built-in tiny model and runs it.</summary>
    [Fact]
    [Trait("Category", "EndToEnd")]
    public async Task TheReadmeMainJobRunsAsAProcess()
    {
        using var home = new TempDirectory();
        var env = new Dictionary<string, string> { ["HYC_HOME"] = home.Path };
        var r = await HycRunner.AsProcess(env, TimeSpan.FromMinutes(2), "model", "run", "tiny", "--ids", "1,2,3", "--generate", "8", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(8, r.Json().GetProperty("greedy_ids").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(home.Path, "models", "tiny", "model.safetensors")));
        Assert.Contains("creating the built-in 'tiny' model", r.Stderr, StringComparison.Ordinal);

        // Seeded: a second run reuses the model and gives the same ids.
        var again = await HycRunner.AsProcess(env, TimeSpan.FromMinutes(2), "model", "run", "tiny", "--ids", "1,2,3", "--generate", "8", "--json");
        Assert.Equal(r.Json().GetProperty("greedy_ids").ToString(), again.Json().GetProperty("greedy_ids").ToString());
        Assert.DoesNotContain("creating", again.Stderr, StringComparison.Ordinal);
    }
}
