using Hunyuan.Model.Config;

namespace Hunyuan.Model.Checkpoints;

/// <summary>Shape and seed of a random checkpoint made by <see cref="RandomCheckpointWriter"/>.</summary>
public sealed record RandomModelOptions
{
    /// <summary>The shapes of ../shared/fixtures/tiny-moe: every feature of the real model at toy size.</summary>
    public static RandomModelOptions Tiny { get; } = new();

    /// <summary>
    /// About 200M parameters with the real model's GQA ratio (10 query heads per KV head: 20 heads, 2 KV heads, so
    /// TP 1, 2 and 4 are valid layouts) and 16 experts, top-1, one shared expert: big enough to measure decode speed
    /// against memory bandwidth. head_dim is 40 (the real model's is 80) to keep 20 heads at hidden 800.
    /// </summary>
    public static RandomModelOptions Mini { get; } = new()
    {
        Hidden = 800, Layers = 8, Heads = 20, KvHeads = 2, Intermediate = 640, Experts = 16, TopK = 1,
        SharedExperts = 1, Vocab = 8192, MaxPositions = 8192,
    };

    public int Seed { get; init; } = 1234;
    public string DType { get; init; } = "bfloat16";
    public int Hidden { get; init; } = 64;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int Intermediate { get; init; } = 128;
    public int Experts { get; init; } = 4;
    public int TopK { get; init; } = 1;
    public int SharedExperts { get; init; } = 1;
    public int Vocab { get; init; } = 512;
    public int ClaFactor { get; init; } = 2;
    public bool QkNorm { get; init; } = true;
    public bool Tied { get; init; } = true;
    public int MaxPositions { get; init; } = 4096;
    public int Shards { get; init; } = 1;

    public HunyuanConfig ToConfig() => new()
    {
        HiddenSize = Hidden,
        NumHiddenLayers = Layers,
        NumAttentionHeads = Heads,
        NumKeyValueHeads = KvHeads,
        IntermediateSize = Intermediate,
        VocabSize = Vocab,
        MaxPositionEmbeddings = MaxPositions,
        RmsNormEps = 1e-5,
        RopeTheta = 10000.0,
        RopeScaling = new RopeScaling("dynamic", 1.0, 1000.0),
        NumExperts = Experts,
        MoeTopK = TopK,
        NumSharedExpert = SharedExperts,
        UseMixedMlpMoe = Experts > 1 && SharedExperts > 0,
        UseCla = ClaFactor > 1,
        ClaShareFactor = Math.Max(1, ClaFactor),
        UseQkNorm = QkNorm,
        TieWordEmbeddings = Tied,
        TorchDType = DType,
    };
}
