using System.Text;
using System.Text.Json;
using Hunyuan.Engine.StructuredOutput;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Engine.Tests.StructuredOutput;

/// <summary>
/// The property structured output promises: the tiny random model, sampled at temperature 1 with many seeds through
/// the grammar's masks, produces output that parses and validates against the schema (JsonSchema.Net) every time it
/// ends with stop. The loop here is the one the scheduler runs: logits, mask, sample, advance.
/// </summary>
public sealed class ConstrainedSamplingTests
{
    private const int Seeds = 32;

    // Tighter than the defaults so a random model finishes most values within a few dozen tokens: the property holds
    // for any limits, and the defaults' own bounds are checked in JsonAutomatonTests.
    private static readonly GrammarLimits Tight = new() { MaxWhitespace = 2, MaxIntegerDigits = 4, MaxFractionDigits = 3 };
    private static readonly TokenVocabulary Vocabulary = TokenVocabulary.From(Schemas.TinyTokenizer());

    public static TheoryData<string, int> Cases => new()
    {
        {
            """
            {"type":"object","properties":{
              "name":{"type":"string","maxLength":6},
              "age":{"type":"integer"},
              "role":{"enum":["admin","user",null,3]},
              "active":{"type":"boolean"},
              "ratio":{"type":["number","null"]},
              "tags":{"type":"array","items":{"type":"string","maxLength":3},"minItems":1,"maxItems":3},
              "pet":{"anyOf":[{"type":"object","properties":{"kind":{"const":"cat"},"lives":{"type":"integer"}},"required":["kind","lives"],"additionalProperties":false},
                              {"type":"null"}]}},
             "required":["name","role","tags","pet"],"additionalProperties":false}
            """, 100
        },
        {
            """
            {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},
                              "required":["v"],"additionalProperties":false}},
             "$ref":"#/$defs/node"}
            """, 100
        },
        { """{"type":"array","items":{"type":"string","maxLength":4},"minItems":2,"maxItems":5}""", 60 },
        { """{"type":"integer"}""", 24 },
        { """{"type":"number"}""", 24 },
        { """{"type":"object","properties":{"answer":{"type":"boolean"}},"required":["answer"]}""", 30 },
        { """{"type":"object"}""", 120 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryOutputThatStopsIsValidJsonForTheSchema(string schemaText, int maxTokens)
    {
        using var doc = JsonDocument.Parse(schemaText);
        var grammar = new TokenGrammar(JsonSchemaCompiler.Compile(doc.RootElement, "guided_json", Tight), Vocabulary, Tight);
        var validator = Json.Schema.JsonSchema.FromText(schemaText);
        var outputs = await SampleAsync(grammar, maxTokens);

        var stopped = outputs.Where(o => o.Stopped).ToList();
        Assert.True(stopped.Count >= Seeds / 4, $"only {stopped.Count} of {Seeds} stopped within {maxTokens} tokens: the test would show little");
        foreach (var o in stopped)
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(o.Bytes);
            using var output = JsonDocument.Parse(text);
            var result = validator.Evaluate(output.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List });
            Assert.True(result.IsValid, $"{text}\n{JsonSerializer.Serialize(result)}");
        }

        // Whatever ended with length is still a prefix the grammar allowed: never invalid, only unfinished.
        foreach (var o in outputs.Where(o => !o.Stopped))
        {
            Assert.True(Schemas.IsPrefix(grammar, o.Bytes));
        }
    }

    [Fact]
    public async Task GuidedChoiceOutputIsExactlyOneChoice()
    {
        using var choices = JsonDocument.Parse("""["positive","negative","neutral","négatif 🚫"]""");
        var definition = StructuredOutputRequest.Parse(null, null, choices.RootElement)!;
        var outputs = await SampleAsync(new TokenGrammar(definition.Root, Vocabulary), 16);
        var allowed = choices.RootElement.EnumerateArray().Select(c => c.GetString()).ToHashSet();
        Assert.All(outputs, o => Assert.True(o.Stopped));
        Assert.All(outputs, o => Assert.Contains(Encoding.UTF8.GetString(o.Bytes), allowed));
        Assert.True(outputs.Select(o => Encoding.UTF8.GetString(o.Bytes)).Distinct().Count() > 1, "temperature 1 over many seeds picks more than one choice");
    }

    private static async Task<List<(byte[] Bytes, bool Stopped)>> SampleAsync(ITokenGrammar grammar, int maxTokens)
    {
        using var model = ModelLoader.Load(Fixtures.Path("tiny-moe"), torch.ScalarType.Float32);
        using var lm = new LocalCausalLm(model, ownsModel: false);
        var prompt = Schemas.TinyTokenizer().Encode("Reply with JSON: ").Select(i => (long)i).ToArray();
        var constraints = Enumerable.Range(0, Seeds).Select(_ => grammar.Start()).ToArray();
        var randoms = Enumerable.Range(0, Seeds).Select(s => new Random(1000 + s)).ToArray();
        var bytes = Enumerable.Range(0, Seeds).Select(_ => new List<byte>()).ToArray();
        var stopped = new bool[Seeds];
        var active = Enumerable.Range(0, Seeds).ToList();
        var steps = active.Select(i => new SequenceStep(i, 0, prompt)).ToList();
        for (var generated = 0; generated < maxTokens && active.Count > 0; generated++)
        {
            float[] logits;
            using (var t = await lm.StepAsync(steps, LogitsMode.LastOfEachSegment))
            {
                using var host = t.contiguous();

                // One memory copy: the tensor accessor's ToArray reads element by element (seconds over a test).
                logits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(host.bytes).ToArray();
            }

            var next = new List<int>();
            steps.Clear();
            for (var row = 0; row < active.Count; row++)
            {
                var i = active[row];
                var token = Sample(logits.AsSpan(row * Vocabulary.Size, Vocabulary.Size), constraints[i].AllowedTokens()!, randoms[i]);
                constraints[i].Advance(token);
                if (!Vocabulary.EndIds.Contains(token))
                {
                    bytes[i].AddRange(Vocabulary.Bytes(token).ToArray());
                }

                if (constraints[i].IsComplete)
                {
                    stopped[i] = true;
                    await lm.ReleaseAsync(i);
                    continue;
                }

                next.Add(i);
                steps.Add(new SequenceStep(i, prompt.Length + generated, [token]));
            }

            active = next;
        }

        return [.. Enumerable.Range(0, Seeds).Select(i => (bytes[i].ToArray(), stopped[i]))];
    }

    /// <summary>Temperature 1 over the allowed ids only.</summary>
    private static long Sample(ReadOnlySpan<float> logits, ulong[] mask, Random random)
    {
        var allowed = new List<int>();
        for (var id = 0; id < logits.Length; id++)
        {
            if ((mask[id >> 6] & (1UL << (id & 63))) != 0)
            {
                allowed.Add(id);
            }
        }

        var max = float.NegativeInfinity;
        foreach (var id in allowed)
        {
            max = Math.Max(max, logits[id]);
        }

        var weights = new double[allowed.Count];
        for (var k = 0; k < allowed.Count; k++)
        {
            weights[k] = Math.Exp(logits[allowed[k]] - max);
        }

        var u = random.NextDouble() * weights.Sum();
        for (var k = 0; k < allowed.Count; k++)
        {
            u -= weights[k];
            if (u <= 0)
            {
                return allowed[k];
            }
        }

        return allowed[^1];
    }
}
