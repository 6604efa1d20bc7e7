using System.Globalization;

namespace Hunyuan.Model.Config;

/// <summary>Checkpoint tensor names, exactly as in Tencent's HF checkpoint (hunyuan-spec §4).</summary>
public static class TensorNames
{
    public const string Embedding = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.weight";

    public static string Layer(int layer, string suffix) => string.Create(CultureInfo.InvariantCulture, $"model.layers.{layer}.{suffix}");

    public static string InputNorm(int l) => Layer(l, "input_layernorm.weight");
    public static string PostAttentionNorm(int l) => Layer(l, "post_attention_layernorm.weight");
    public static string QProj(int l) => Layer(l, "self_attn.q_proj.weight");
    public static string KProj(int l) => Layer(l, "self_attn.k_proj.weight");
    public static string VProj(int l) => Layer(l, "self_attn.v_proj.weight");
    public static string OProj(int l) => Layer(l, "self_attn.o_proj.weight");
    public static string QueryNorm(int l) => Layer(l, "self_attn.query_layernorm.weight");
    public static string KeyNorm(int l) => Layer(l, "self_attn.key_layernorm.weight");
    public static string Router(int l) => Layer(l, "mlp.gate.wg.weight");
    public static string SharedMlp(int l, string proj) => Layer(l, $"mlp.shared_mlp.{proj}.weight");
    public static string Expert(int l, int e, string proj) => Layer(l, string.Create(CultureInfo.InvariantCulture, $"mlp.experts.{e}.{proj}.weight"));
    public static string DenseMlp(int l, string proj) => Layer(l, $"mlp.{proj}.weight");

    /// <summary>FP8 checkpoints put a per-tensor scale beside each quantized weight: "x.weight" gets "x.weight_scale".</summary>
    public static string WeightScale(string weightName) => Sibling(weightName, "weight_scale");

    public static string InputScale(string weightName) => Sibling(weightName, "input_scale");

    public static string KScale(int l) => Layer(l, "self_attn.k_scale");
    public static string VScale(int l) => Layer(l, "self_attn.v_scale");

    private static string Sibling(string weightName, string leaf) =>
        weightName.EndsWith(".weight", StringComparison.Ordinal)
            ? string.Concat(weightName.AsSpan(0, weightName.Length - ".weight".Length), ".", leaf)
            : throw new ArgumentException($"'{weightName}' is not a .weight tensor", nameof(weightName));
}
