using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Model.Tests.Modeling;

/// <summary>
/// Configurations the golden fixtures do not cover, each a random float32 checkpoint, checked against the literal
/// transcription of the reference and for cache-equals-recompute.
/// </summary>
public sealed class ConfigurationVariantTests
{
    public static TheoryData<string> Variants => new(VariantNames.Keys);

    private static readonly Dictionary<string, RandomModelOptions> VariantNames = new()
    {
        ["dense (num_experts 1)"] = RandomModelOptions.Tiny with { Experts = 1, SharedExperts = 0 },
        ["no CLA"] = RandomModelOptions.Tiny with { ClaFactor = 1 },
        ["CLA factor 3, 5 layers"] = RandomModelOptions.Tiny with { ClaFactor = 3, Layers = 5 },
        ["untied lm_head"] = RandomModelOptions.Tiny with { Tied = false },
        ["no QK-norm"] = RandomModelOptions.Tiny with { QkNorm = false },
        ["top-2 of 4, no shared expert"] = RandomModelOptions.Tiny with { TopK = 2, SharedExperts = 0 },
        ["MHA (kv heads = heads)"] = RandomModelOptions.Tiny with { KvHeads = 4 },
        ["2 shards"] = RandomModelOptions.Tiny with { Shards = 2 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void LogitsMatchTheLiteralReferenceAndCacheEqualsRecompute(string variant)
    {
        using var dir = new TempDirectory();
        var modelDir = dir.File("m");
        RandomCheckpointWriter.Write(modelDir, VariantNames[variant] with { DType = "float32", Seed = 7 });
        long[] prompt = [3, 141, 59, 26, 53, 58, 97, 93, 23, 84];

        using var reference = new LiteralReference(modelDir);
        using var expected = reference.Logits(prompt);
        using var model = ModelLoader.Load(modelDir, torch.ScalarType.Float32);
        var run = GreedyDecoder.Run(model, prompt, 5, keepPromptLogits: true);
        using var actual = run.PromptLogits!;
        var diff = (actual - expected).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"{variant}: max |logit - literal reference| = {diff:E3}");

        // The cached continuation must equal the reference's recompute of the growing sequence.
        var sequence = prompt.ToList();
        foreach (var id in run.Ids)
        {
            using var logits = reference.Logits(sequence.ToArray());
            Assert.Equal(logits[-1].argmax().item<long>(), id);
            sequence.Add(id);
        }
    }
}
