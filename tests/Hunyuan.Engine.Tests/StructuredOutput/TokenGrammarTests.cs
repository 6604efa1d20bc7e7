using Hunyuan.Engine.StructuredOutput;
using Hunyuan.Engine.StructuredOutput.Automaton;

namespace Hunyuan.Engine.Tests.StructuredOutput;

/// <summary>Masks over a real (tiny) vocabulary: exactly the tokens the automaton accepts, computed once per state.</summary>
public sealed class TokenGrammarTests
{
    private static readonly TokenVocabulary Tiny = TokenVocabulary.From(Schemas.TinyTokenizer());

    private const string Schema = """
        {"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string","maxLength":4},
         "ok":{"type":"boolean"},"xs":{"type":"array","items":{"type":"number"},"maxItems":3}},"required":["id","ok"]}
        """;

    [Fact]
    public void TheMaskIsEveryTokenWhoseBytesTheAutomatonAcceptsAndNothingElse()
    {
        var node = Schemas.Compile(Schema);
        var grammar = new TokenGrammar(node, Tiny);
        var random = new Random(11);
        for (var walk = 0; walk < 20; walk++)
        {
            var constraint = grammar.Start();
            var state = GrammarStates.Start(node, grammar.Limits);
            for (var step = 0; step < 40 && !constraint.IsComplete; step++)
            {
                var mask = constraint.AllowedTokens()!;
                var allowed = new List<long>();
                for (var id = 0; id < Tiny.Size; id++)
                {
                    var byBruteForce = Tiny.EndIds.Contains(id) ? state.Accepting : !Tiny.Bytes(id).IsEmpty && state.Feed(Tiny.Bytes(id)) is not null;
                    Assert.Equal(byBruteForce, (mask[id >> 6] & (1UL << (id & 63))) != 0);
                    if (byBruteForce)
                    {
                        allowed.Add(id);
                    }
                }

                var token = allowed[random.Next(allowed.Count)];
                constraint.Advance(token);
                if (Tiny.EndIds.Contains(token))
                {
                    Assert.True(constraint.IsComplete);
                    break;
                }

                state = state.Feed(Tiny.Bytes(token))!;
            }
        }
    }

    [Fact]
    public void MasksAreComputedOncePerStateAndSharedBetweenSequences()
    {
        var grammar = new TokenGrammar(Schemas.Compile(Schema), Tiny);
        var tokenizer = Schemas.TinyTokenizer();
        var text = """{"id":12,"name":"ab","ok":true,"xs":[1,2.5]}""";
        var ids = tokenizer.Encode(text);

        void Run()
        {
            var c = grammar.Start();
            foreach (var id in ids)
            {
                Assert.NotNull(c.AllowedTokens());
                Assert.False(c.IsComplete);
                c.Advance(id);
            }

            Assert.True(c.IsComplete, "'}' closes the object: nothing can extend it");
            var mask = c.AllowedTokens()!;
            Assert.Equal(Tiny.EndIds.Order(), Enumerable.Range(0, Tiny.Size).Where(i => (mask[i >> 6] & (1UL << (i & 63))) != 0).Select(i => (long)i));
        }

        Run();
        var states = grammar.CachedStates;
        var computed = grammar.MasksComputed;
        Assert.True(computed >= ids.Length - 5, $"{computed} masks for {ids.Length} tokens");
        Run();
        Run();
        Assert.Equal(states, grammar.CachedStates);
        Assert.Equal(computed, grammar.MasksComputed);
    }

    [Fact]
    public void EndIdsOnlyWhenCompleteAndATopLevelNumberStaysOpen()
    {
        var grammar = new TokenGrammar(Schemas.Compile("""{"type":"integer"}"""), Tiny);
        var c = grammar.Start();
        Assert.DoesNotContain(Tiny.EndIds, e => Allowed(c.AllowedTokens()!, e));
        Assert.Throws<InvalidOperationException>(() => c.Advance(Tiny.EndIds[0]));
        c.Advance('4');
        var mask = c.AllowedTokens()!;
        Assert.All(Tiny.EndIds, e => Assert.True(Allowed(mask, e)));
        Assert.True(Allowed(mask, '2'));
        Assert.False(Allowed(mask, '.'));
        Assert.False(c.IsComplete);
        c.Advance(Tiny.EndIds[0]);
        Assert.True(c.IsComplete);
    }

    [Fact]
    public void SpecialIdsAreNeverAllowedAndForbiddenTokensThrow()
    {
        var tokenizer = Schemas.TinyTokenizer();
        var c = new TokenGrammar(JsonSchemaCompiler.AnyObject, Tiny).Start();
        c.Advance('{');
        c.Advance('"');
        var mask = c.AllowedTokens()!;
        Assert.True(Allowed(mask, tokenizer.Encode(" the")[0]), "inside a string, text tokens are fine");
        for (var id = tokenizer.BaseVocabularySize; id < Tiny.Size; id++)
        {
            Assert.False(Allowed(mask, id), $"special {id}");
        }

        Assert.Throws<InvalidOperationException>(() => c.Advance('\n'));
    }

    [Fact]
    public void TheStateCacheIsBounded()
    {
        var grammar = new TokenGrammar(Schemas.Compile("""{"type":"string","maxLength":100}"""), Schemas.Bytes(), new GrammarLimits { MaxCachedStates = 10 });
        var c = grammar.Start();
        c.Advance('"');
        for (var i = 0; i < 50; i++)
        {
            Assert.True(Allowed(c.AllowedTokens()!, 'x'));
            c.Advance('x');
        }

        Assert.Equal(10, grammar.CachedStates);
    }

    private static bool Allowed(ulong[] mask, long id) => (mask[id >> 6] & (1UL << (int)(id & 63))) != 0;
}
