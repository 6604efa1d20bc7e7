using System.Text;
using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Engine.StructuredOutput;
using Hunyuan.Engine.Tests.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.StructuredOutput;

/// <summary>
/// The same property through the serving path: requests with <see cref="GenerationRequest.Grammar"/> in the scheduler
/// (continuous batching, the mask carried to the sampler and applied there), temperature 1, one seed each; every
/// request that finishes with stop is JSON that JsonSchema.Net validates, every one cut by length a valid prefix.
/// </summary>
public sealed class ScheduledStructuredOutputTests
{
    private const string Schema = """
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":5},
          "n":{"type":"integer"},
          "kind":{"enum":["a","b",null]},
          "xs":{"type":"array","items":{"anyOf":[{"type":"boolean"},{"type":"number"}]},"maxItems":3}},
         "required":["name","kind"],"additionalProperties":false}
        """;

    private static readonly GrammarLimits Tight = new() { MaxWhitespace = 2, MaxIntegerDigits = 4, MaxFractionDigits = 3 };

    [Fact]
    public async Task RequestsWithAGrammarStopOnlyWithValidJson()
    {
        var vocabulary = TokenVocabulary.From(Schemas.TinyTokenizer());
        using var schema = JsonDocument.Parse(Schema);
        var grammar = new TokenGrammar(JsonSchemaCompiler.Compile(schema.RootElement, "guided_json", Tight), vocabulary, Tight);
        var validator = Json.Schema.JsonSchema.FromText(Schema);
        var ends = vocabulary.EndIds.ToHashSet();

        var options = new EngineOptions { Blocks = 256, BlockSize = 8, MaxBatchedTokens = 128, MaxNumSeqs = 16 };
        var model = ModelLoader.Load(Fixtures.Path("tiny-moe"), torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, pool: model.NewBlockPool(options.Blocks, options.BlockSize));
        await using var scheduler = new Scheduler(new LocalStepExecutor(lm), options);
        var prompt = Schemas.TinyTokenizer().Encode("JSON please: ").Select(i => (long)i).ToArray();
        var runs = Enumerable.Range(0, 16).Select(seed => SchedulerTests.Collect(scheduler.Submit(
            new GenerationRequest(prompt, 100, new SamplingParameters(Temperature: 1, Seed: seed, VocabLimit: vocabulary.Size), new HashSet<long>(), ends, Grammar: grammar),
            CancellationToken.None))).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(10));

        Assert.All(results, r => Assert.True(r.Finish is FinishReason.Stop or FinishReason.Length, $"{r.Finish}"));
        var stopped = results.Count(r => r.Finish == FinishReason.Stop);
        Assert.True(stopped >= 4, $"only {stopped} of 16 stopped within 100 tokens: the test would show little");
        foreach (var (tokens, finish) in results)
        {
            var bytes = tokens.Where(t => !ends.Contains(t)).SelectMany(t => vocabulary.Bytes(t).ToArray()).ToArray();
            if (finish == FinishReason.Stop)
            {
                var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
                using var output = JsonDocument.Parse(text);
                Assert.True(validator.Evaluate(output.RootElement).IsValid, text);
            }
            else
            {
                Assert.True(Schemas.IsPrefix(grammar, bytes));
            }
        }

        Assert.Equal(0, scheduler.Metrics.KvBlocksUsed);
    }
}
