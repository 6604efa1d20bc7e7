using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hunyuan.Model.Config;

/// <summary>
/// A Hugging Face <c>config.json</c> of a HunYuan MoE model, with the real key names (hunyuan-spec §1). Defaults
/// are those of Tencent's <c>configuration_hunyuan.py</c> where a key is optional there.
/// </summary>
public sealed record HunyuanConfig
{
    public const string FileName = "config.json";

    public int HiddenSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int NumKeyValueHeads { get; init; }
    public int IntermediateSize { get; init; }
    public int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public double RmsNormEps { get; init; } = 1e-5;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeScaling? RopeScaling { get; init; }
    public int NumExperts { get; init; } = 1;
    public int MoeTopK { get; init; } = 1;
    public int NumSharedExpert { get; init; } = 1;
    public bool UseMixedMlpMoe { get; init; }
    public bool UseCla { get; init; }
    public int ClaShareFactor { get; init; } = 1;
    public bool UseQkNorm { get; init; }
    public bool TieWordEmbeddings { get; init; }
    public string TorchDType { get; init; } = "bfloat16";
    public QuantizationConfig? Quantization { get; init; }

    /// <summary>hidden_size / num_attention_heads, as the reference computes it (80 for Hunyuan-Large, not 128).</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    public int QueriesPerKvHead => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Every layer is an MoE block when there is more than one expert; with one it is a plain MLP.</summary>
    public bool IsMoe => NumExperts > 1;

    public bool HasSharedExpert => IsMoe && UseMixedMlpMoe;

    public int SharedIntermediateSize => IntermediateSize * NumSharedExpert;

    public int EffectiveClaFactor => UseCla ? Math.Max(1, ClaShareFactor) : 1;

    /// <summary>A self layer computes K and V; a cross (CLA) layer reuses those of the last self layer.</summary>
    public bool IsSelfLayer(int layer) => layer % EffectiveClaFactor == 0;

    /// <summary>The self layer whose pre-RoPE K and V this layer attends over (itself for a self layer).</summary>
    public int KvSourceLayer(int layer) => layer - (layer % EffectiveClaFactor);

    /// <summary>True CLA cache: one entry per self layer.</summary>
    public int CachedLayerCount => CacheEntries(NumHiddenLayers);

    /// <summary>Cache entries (self layers) of a run of <paramref name="layerCount"/> layers starting on a self layer.</summary>
    public int CacheEntries(int layerCount) => (layerCount + EffectiveClaFactor - 1) / EffectiveClaFactor;

    /// <summary>KV bytes per token of a rank holding <paramref name="layerCount"/> layers and <paramref name="kvHeads"/> KV heads.</summary>
    public long KvBytesPerToken(int layerCount, int kvHeads, int bytesPerElement) => (long)CacheEntries(layerCount) * 2 * kvHeads * HeadDim * bytesPerElement;

    public long KvBytesPerToken(int bytesPerElement) => KvBytesPerToken(NumHiddenLayers, NumKeyValueHeads, bytesPerElement);

    /// <summary>NTK-alpha: base = theta * alpha^(D/(D-2)), fixed for every sequence length.</summary>
    public double RopeBase => RopeScaling is { Alpha: > 0 } s
        ? RopeTheta * Math.Pow(s.Alpha, HeadDim / (double)(HeadDim - 2))
        : RopeTheta;

    public static HunyuanConfig Load(string path)
    {
        if (Directory.Exists(path))
        {
            path = Path.Combine(path, FileName);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such config file", path);
        }

        return Parse(File.ReadAllText(path), path);
    }

    public static HunyuanConfig Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new ConfigException(source, "(file)", $"not valid JSON: {ex.Message}");
        }

        if (root is not JsonObject o)
        {
            throw new ConfigException(source, "(file)", "not a JSON object");
        }

        var r = new ConfigReader(o, source);
        var heads = r.Int("num_attention_heads");
        var config = new HunyuanConfig
        {
            HiddenSize = r.Int("hidden_size"),
            NumHiddenLayers = r.Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = r.OptionalInt("num_key_value_heads") ?? heads,
            IntermediateSize = r.Int("intermediate_size"),
            VocabSize = r.Int("vocab_size"),
            MaxPositionEmbeddings = r.OptionalInt("max_position_embeddings") ?? 2048,
            RmsNormEps = r.OptionalDouble("rms_norm_eps") ?? 1e-5,
            RopeTheta = r.OptionalDouble("rope_theta") ?? 10000.0,
            RopeScaling = r.RopeScaling("rope_scaling"),
            NumExperts = r.OptionalInt("num_experts") ?? 1,
            MoeTopK = r.OptionalInt("moe_topk") ?? 1,
            NumSharedExpert = r.OptionalInt("num_shared_expert") ?? 1,
            UseMixedMlpMoe = r.OptionalBool("use_mixed_mlp_moe") ?? false,
            UseCla = r.OptionalBool("use_cla") ?? false,
            ClaShareFactor = r.OptionalInt("cla_share_factor") ?? 1,
            UseQkNorm = r.OptionalBool("use_qk_norm") ?? false,
            TieWordEmbeddings = r.OptionalBool("tie_word_embeddings") ?? false,
            TorchDType = r.OptionalString("torch_dtype") ?? "bfloat16",
            Quantization = r.Quantization("quantization_config"),
        };

        r.Refuse("attention_bias", v => v.GetValueKind() == JsonValueKind.True, "true is not supported: Hunyuan-Large has no attention biases");
        r.Refuse("hidden_act", v => v.GetValueKind() != JsonValueKind.String || v.GetValue<string>() != "silu", "only \"silu\" is supported");
        r.Refuse("head_dim", v => v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() != config.HeadDim,
            $"the reference derives head_dim from hidden_size / num_attention_heads = {config.HeadDim}; a different value is not supported");
        config.Validate(source);
        return config;
    }

    public void Validate(string source)
    {
        void Positive(string key, long value)
        {
            if (value <= 0)
            {
                throw new ConfigException(source, key, $"must be positive, got {value}");
            }
        }

        Positive("hidden_size", HiddenSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("num_key_value_heads", NumKeyValueHeads);
        Positive("intermediate_size", IntermediateSize);
        Positive("vocab_size", VocabSize);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        Positive("num_experts", NumExperts);
        Positive("moe_topk", MoeTopK);
        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new ConfigException(source, "num_attention_heads", $"hidden_size {HiddenSize} is not divisible by {NumAttentionHeads} heads");
        }

        if (HeadDim % 2 != 0 || HeadDim < 4)
        {
            throw new ConfigException(source, "num_attention_heads", $"head_dim {HeadDim} must be even and at least 4 for rotary embeddings");
        }

        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new ConfigException(source, "num_key_value_heads", $"{NumAttentionHeads} attention heads are not divisible into {NumKeyValueHeads} KV heads");
        }

        if (MoeTopK > NumExperts)
        {
            throw new ConfigException(source, "moe_topk", $"{MoeTopK} is more than num_experts {NumExperts}");
        }

        if (UseMixedMlpMoe && NumSharedExpert <= 0)
        {
            throw new ConfigException(source, "num_shared_expert", "must be positive with use_mixed_mlp_moe");
        }

        if (UseCla && ClaShareFactor <= 0)
        {
            throw new ConfigException(source, "cla_share_factor", $"must be positive with use_cla, got {ClaShareFactor}");
        }

        if (!(RmsNormEps > 0))
        {
            throw new ConfigException(source, "rms_norm_eps", $"must be positive, got {RmsNormEps}");
        }

        if (!(RopeTheta > 0))
        {
            throw new ConfigException(source, "rope_theta", $"must be positive, got {RopeTheta}");
        }
    }

    /// <summary>Writes the config with the real key names (for checkpoints this tool creates).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray("HunYuanForCausalLM"),
            ["model_type"] = "hunyuan",
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["intermediate_size"] = IntermediateSize,
            ["vocab_size"] = VocabSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = RopeScaling is null ? null : new JsonObject
            {
                ["alpha"] = RopeScaling.Alpha,
                ["factor"] = RopeScaling.Factor,
                ["type"] = RopeScaling.Type,
            },
            ["num_experts"] = NumExperts,
            ["moe_topk"] = MoeTopK,
            ["num_shared_expert"] = NumSharedExpert,
            ["use_mixed_mlp_moe"] = UseMixedMlpMoe,
            ["use_cla"] = UseCla,
            ["cla_share_factor"] = ClaShareFactor,
            ["use_qk_norm"] = UseQkNorm,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["attention_bias"] = false,
            ["hidden_act"] = "silu",
            ["capacity_factor"] = 1.0,
            ["moe_drop_tokens"] = false,
            ["moe_random_routing_dropped_token"] = false,
            ["pretraining_tp"] = 1,
            ["torch_dtype"] = TorchDType,
        };
        if (Quantization is not null)
        {
            o["quantization_config"] = new JsonObject
            {
                ["activation_scheme"] = Quantization.ActivationScheme,
                ["quant_method"] = Quantization.QuantMethod,
            };
        }

        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"hidden {HiddenSize}, layers {NumHiddenLayers}, heads {NumAttentionHeads}/{NumKeyValueHeads} (head_dim {HeadDim}), experts {NumExperts} top-{MoeTopK}, vocab {VocabSize}");
}
