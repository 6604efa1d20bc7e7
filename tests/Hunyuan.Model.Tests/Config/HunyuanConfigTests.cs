using Hunyuan.Model.Config;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Model.Tests.Config;

public sealed class HunyuanConfigTests
{
    private static readonly string RealConfig = Fixtures.Path("hunyuan-a52b-instruct.config.json");

    [Fact]
    public void TheReleasedConfigGivesTheSpecFigures()
    {
        var c = HunyuanConfig.Load(RealConfig);
        Assert.Equal(80, c.HeadDim);
        Assert.Equal(10, c.QueriesPerKvHead);
        Assert.Equal(32, c.CachedLayerCount);
        Assert.Equal(81_920, c.KvBytesPerToken(2));
        Assert.Equal(40_960, c.KvBytesPerToken(1));
        Assert.Equal(1.19377664e7, c.RopeBase, 1e7 * 1e-8);
        Assert.True(c.IsSelfLayer(62) && !c.IsSelfLayer(63));
        Assert.Equal(62, c.KvSourceLayer(63));
        Assert.Equal(388_701_405_440, ModelTensors.ParameterCount(c));
        Assert.Equal(3778, ModelTensors.For(c).Count);
        Assert.Equal(359_871_283_200, ModelTensors.For(c).Where(t => t.Role == TensorRole.RoutedExpertLinear).Sum(t => t.ElementCount));
    }

    [Theory]
    [InlineData("hidden_size", null, "required key is missing")]
    [InlineData("hidden_size", "\"6400\"", "must be an integer")]
    [InlineData("num_attention_heads", "7", "not divisible")]
    [InlineData("num_key_value_heads", "3", "not divisible into 3 KV heads")]
    [InlineData("moe_topk", "17", "more than num_experts")]
    [InlineData("use_cla", "1", "must be true or false")]
    [InlineData("attention_bias", "true", "not supported")]
    [InlineData("hidden_act", "\"gelu\"", "silu")]
    [InlineData("head_dim", "128", "head_dim")]
    public void ABadKeyIsNamed(string key, string? value, string problem)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RealConfig))!.AsObject();
        if (value is null)
        {
            json.Remove(key);
        }
        else
        {
            json[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
        }

        var ex = Assert.Throws<ConfigException>(() => HunyuanConfig.Parse(json.ToJsonString(), "x/config.json"));
        Assert.Equal(key, ex.Key);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("x/config.json: '" + key + "'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"type\": \"linear\", \"factor\": 2.0}", "rope_scaling.type")]
    [InlineData("{\"type\": \"dynamic\", \"factor\": 2.0}", "rope_scaling.alpha")]
    [InlineData("[1]", "rope_scaling")]
    public void UnsupportedRopeScalingIsNamed(string value, string key)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RealConfig))!.AsObject();
        json["rope_scaling"] = System.Text.Json.Nodes.JsonNode.Parse(value);
        var ex = Assert.Throws<ConfigException>(() => HunyuanConfig.Parse(json.ToJsonString(), "c.json"));
        Assert.Equal(key, ex.Key);
    }

    [Fact]
    public void NotJsonIsReported()
    {
        var ex = Assert.Throws<ConfigException>(() => HunyuanConfig.Parse("{ nope", "c.json"));
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrittenConfigReadsBackEqual()
    {
        var c = HunyuanConfig.Load(RealConfig);
        var back = HunyuanConfig.Parse(c.ToJson(), "roundtrip");
        Assert.Equal(c, back);
    }
}
