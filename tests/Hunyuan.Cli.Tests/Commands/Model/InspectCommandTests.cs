using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Model;

public sealed class InspectCommandTests
{
    [Fact]
    public async Task TheReleasedConfigHasTheSpecParameterCount()
    {
        var r = await HycRunner.InProcess("model", "inspect", Fixtures.Path("hunyuan-a52b-instruct.config.json"), "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        Assert.Equal(388_701_405_440, json.GetProperty("parameter_count").GetInt64());
        Assert.Equal(3778, json.GetProperty("tensor_count").GetInt32());
        Assert.Equal(81_920, json.GetProperty("kv_bytes_per_token_bf16").GetInt64());
        Assert.Equal(80, json.GetProperty("head_dim").GetInt32());
        Assert.False(json.GetProperty("checkpoint_checked").GetBoolean());
        Assert.Contains("388,701,405,440", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tiny-moe")]
    [InlineData("tiny-moe-bf16-sharded")]
    [InlineData("tiny-moe-fp8")]
    public async Task EveryFixtureCheckpointMatchesItsConfig(string fixture)
    {
        var r = await HycRunner.InProcess("model", "inspect", Fixtures.Path(fixture), "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        Assert.True(r.Json().GetProperty("checkpoint_checked").GetBoolean());
        Assert.Equal(0, r.Json().GetProperty("unexpected").GetArrayLength());
    }

    [Fact]
    public async Task MismatchesAreListedWithFileAndTensor()
    {
        using var dir = new TempDirectory();
        CheckpointSurgery.CopyDirectory(Fixtures.Path("tiny-moe"), dir.Path);
        CheckpointSurgery.Rewrite(dir.File("model.safetensors"), (name, t) => name switch
        {
            "model.layers.0.self_attn.q_proj.weight" => null,
            "model.layers.3.post_attention_layernorm.weight" => t.narrow(0, 0, 10).contiguous(),
            _ => t,
        });
        var r = await HycRunner.InProcess("model", "inspect", dir.Path, "--json");
        Assert.Equal(ExitCodes.BadCheckpoint, r.ExitCode);
        var problems = r.Json().GetProperty("problems").EnumerateArray().ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.GetProperty("tensor").GetString() == "model.layers.0.self_attn.q_proj.weight" && p.GetProperty("problem").GetString() == "missing");
        Assert.Contains(problems, p => p.GetProperty("tensor").GetString() == "model.layers.3.post_attention_layernorm.weight"
            && p.GetProperty("file").GetString() == dir.File("model.safetensors"));
    }
}
