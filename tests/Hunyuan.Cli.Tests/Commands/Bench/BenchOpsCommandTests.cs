using System.Text.Json;
using Hunyuan.Cli.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class BenchOpsCommandTests
{
    [Fact]
    public async Task ListsTheLayersCallsAtTheModelsShapesAndSumsThem()
    {
        var r = await HycRunner.InProcess("bench", "ops", "--model", "tiny", "--reps", "5", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.ToString());
        var json = r.Json();
        var ops = json.GetProperty("ops").EnumerateArray().ToArray();

        // tiny: hidden 64, 4 heads of 16, 2 KV heads, 4 experts of 128, QK-norm: shapes come from its config.
        var qkv = ops.Single(o => o.GetProperty("op").GetString() == "linear qkv");
        Assert.Equal("[1, 64] x [128, 64]", qkv.GetProperty("shape").GetString());
        Assert.Contains(ops, o => o.GetProperty("op").GetString()!.StartsWith("rms_norm", StringComparison.Ordinal) && o.GetProperty("shape").GetString() == "[1, 6, 16]");
        Assert.Equal("host-routed", json.GetProperty("expert_dispatch").GetString());
        Assert.Equal("fused", json.GetProperty("rms_norm_kernel").GetString());

        // The totals are the per-layer counts and their weighted sum of the rows above.
        Assert.Equal(ops.Sum(o => o.GetProperty("per_layer").GetInt32()), json.GetProperty("calls_per_layer").GetInt32());
        var floor = ops.Sum(o => o.GetProperty("per_layer").GetInt32() * o.GetProperty("microseconds_per_call").GetDouble());
        Assert.Equal(floor, json.GetProperty("floor_us_per_layer").GetDouble(), 0.2);
        Assert.All(ops, o => Assert.Equal(JsonValueKind.Number, o.GetProperty("microseconds_per_call").ValueKind));

        // Each alternative names a call of the list; the lowest floor takes the cheaper of each pair, so it is the floor
        // less what the cheaper alternatives save, and never above the floor.
        var alternatives = json.GetProperty("alternatives").EnumerateArray().ToArray();
        Assert.Equal(
            ["linear qkv", "scaled_dot_product_attention", "rms_norm (fused)", "rms_norm (fused), QK heads", "linear (expert gate_up)", "linear (shared expert or dense gate_up)"],
            alternatives.Select(a => a.GetProperty("replaces").GetString()!));
        foreach (var alt in alternatives)
        {
            var replaced = ops.Single(o => o.GetProperty("op").GetString() == alt.GetProperty("replaces").GetString());
            Assert.Equal(replaced.GetProperty("per_layer").GetInt32() * replaced.GetProperty("microseconds_per_call").GetDouble(),
                alt.GetProperty("replaced_microseconds_per_layer").GetDouble(), 0.02);
        }

        var saved = alternatives.Sum(a => Math.Max(0, a.GetProperty("replaced_microseconds_per_layer").GetDouble() - a.GetProperty("microseconds_per_layer").GetDouble()));
        Assert.Equal(json.GetProperty("floor_us_per_layer").GetDouble() - saved, json.GetProperty("lowest_floor_us_per_layer").GetDouble(), 0.2);
        Assert.True(json.GetProperty("lowest_floor_us_per_layer").GetDouble() <= json.GetProperty("floor_us_per_layer").GetDouble());
    }

    [Fact]
    public async Task ABadDtypeIsRefusedByName()
    {
        var r = await HycRunner.InProcess("bench", "ops", "--model", "tiny", "--dtype", "int4");
        Assert.Equal(ExitCodes.InvalidArguments, r.ExitCode);
        Assert.Contains("'int4'", r.Stderr, StringComparison.Ordinal);
    }
}
