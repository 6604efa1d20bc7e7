using Hunyuan.Engine.StructuredOutput;

namespace Hunyuan.Engine.Tests.StructuredOutput;

/// <summary>Which byte strings the automaton takes as prefixes and as whole values.</summary>
public sealed class JsonAutomatonTests
{
    private static readonly string[] Choices = ["yes", "yes please", "no"];

    private const string Person = """
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":5},
          "age":{"type":"integer"},
          "tags":{"type":"array","items":{"enum":["a","b"]},"minItems":1,"maxItems":2},
          "score":{"type":"number"}},
         "required":["name","tags"],"additionalProperties":false}
        """;

    [Theory]
    [InlineData("""{"name":"Ann","tags":["a"]}""")]
    [InlineData("""{"name":"Ann","age":-7,"tags":["a","b"],"score":1.5e-3}""")]
    [InlineData("""{ "name": "Ann", "tags": [ "b" ] }""")]
    [InlineData("{\n  \"name\": \"\",\n  \"tags\": [\"a\"]\n}")]
    [InlineData("""{"name":"\u00e9\n\"","tags":["a"],"score":0}""")]
    public void ValidObjectsAreAccepted(string json) => Assert.True(Schemas.Accepts(Schemas.Compile(Person), json), json);

    [Theory]
    [InlineData("""{"tags":["a"],"name":"Ann"}""")]          // declaration order
    [InlineData("""{"name":"Ann"}""")]                       // tags required
    [InlineData("""{"name":"Ann","tags":[]}""")]             // minItems
    [InlineData("""{"name":"Ann","tags":["a","b","a"]}""")]  // maxItems
    [InlineData("""{"name":"Ann","tags":["c"]}""")]          // enum
    [InlineData("""{"name":"Annabel","tags":["a"]}""")]      // maxLength
    [InlineData("""{"name":"Ann","age":1.5,"tags":["a"]}""")] // integer
    [InlineData("""{"name":"Ann","age":1e3,"tags":["a"]}""")]
    [InlineData("""{"name":"Ann","age":01,"tags":["a"]}""")]
    [InlineData("""{"name":"Ann","tags":["a"],"x":1}""")]    // additionalProperties false
    [InlineData("""{"name":"Ann","tags":["a"],}""")]         // trailing comma
    [InlineData(""" {"name":"Ann","tags":["a"]}""")]         // whitespace before the value
    [InlineData("""{"name":"A\x","tags":["a"]}""")]          // bad escape
    [InlineData("""{"name":"\ud83d","tags":["a"]}""")]       // escaped surrogate: would not decode alone
    public void InvalidObjectsAreRefusedAsPrefixes(string json)
    {
        var node = Schemas.Compile(Person);
        Assert.False(Schemas.IsPrefix(node, json), json);
    }

    [Fact]
    public void StringsCountUtf16UnitsAndRefuseRawControlsAndBadUtf8()
    {
        var node = Schemas.Compile("""{"type":"string","maxLength":3}""");
        Assert.True(Schemas.Accepts(node, "\"ééé\""));
        Assert.True(Schemas.Accepts(node, "\"a😀\""));
        Assert.False(Schemas.IsPrefix(node, "\"ab😀"));      // 2 + 2 units
        Assert.True(Schemas.Accepts(node, "\"\\n\\t\\u0041\""));
        Assert.False(Schemas.IsPrefix(node, "\"\n"));
        Assert.False(Schemas.IsPrefix(node, [(byte)'"', 0xC0, 0x80]));      // overlong
        Assert.False(Schemas.IsPrefix(node, [(byte)'"', 0xED, 0xA0, 0x80])); // UTF-8 surrogate
        Assert.False(Schemas.IsPrefix(node, [(byte)'"', 0x80]));             // lone continuation
        Assert.True(Schemas.IsPrefix(node, [(byte)'"', 0xE6]));             // a character split across tokens
        Assert.False(Schemas.Accepts(node, "\"é"));
    }

    [Fact]
    public void NumbersFollowJsonAndTheDigitLimits()
    {
        var number = Schemas.Compile("""{"type":"number"}""");
        foreach (var ok in new[] { "0", "-0", "12", "1.25", "-3e+7", "4E-2", "0.5e1" })
        {
            Assert.True(Schemas.Accepts(number, ok), ok);
        }

        foreach (var bad in new[] { "-", "1.", "1e", "1e+", ".5", "+1", "00", "1.2.3" })
        {
            Assert.False(Schemas.Accepts(number, bad), bad);
        }

        Assert.True(Schemas.Accepts(number, new string('9', 15)));
        Assert.False(Schemas.IsPrefix(number, new string('9', 16)));
        Assert.False(Schemas.IsPrefix(number, "1e123"));
    }

    [Fact]
    public void WhitespaceIsBoundedAndOnlyInsideContainers()
    {
        var node = Schemas.Compile("""{"type":"array","items":{"type":"integer"}}""");
        var limits = new GrammarLimits { MaxWhitespace = 3 };
        Assert.True(Schemas.Accepts(node, "[   1,\n\t 2   ]", limits));
        Assert.False(Schemas.IsPrefix(node, "[    1", limits));
        Assert.False(Schemas.IsPrefix(node, "[1] ", limits));
        Assert.False(Schemas.IsPrefix(node, "[ 1]", new GrammarLimits { MaxWhitespace = 0 }));
    }

    [Fact]
    public void AnyOfRefsAndRecursionNest()
    {
        var node = Schemas.Compile("""
            {"$defs":{"tree":{"type":"object","properties":{"v":{"anyOf":[{"type":"string","maxLength":2},{"type":"null"}]},
                                                           "kids":{"type":"array","items":{"$ref":"#/$defs/tree"}}},
                              "required":["v"],"additionalProperties":false}},
             "$ref":"#/$defs/tree"}
            """);
        Assert.True(Schemas.Accepts(node, """{"v":null,"kids":[{"v":"ab"},{"v":null,"kids":[{"v":"x","kids":[]}]}]}"""));
        Assert.False(Schemas.IsPrefix(node, """{"v":null,"kids":[{"v":"abc"""));
        Assert.False(Schemas.IsPrefix(node, """{"v":1"""));
    }

    [Fact]
    public void AFreeObjectRefusesARepeatedKeyHoweverEscaped()
    {
        var node = JsonSchemaCompiler.AnyObject;
        Assert.True(Schemas.Accepts(node, """{"a":1,"b":{"a":[true,null,"x"]}}"""));
        Assert.False(Schemas.IsPrefix(node, """{"a":1,"a":"""));
        Assert.False(Schemas.IsPrefix(node, """{"a":1,"\u0061":"""));
        Assert.False(Schemas.IsPrefix(node, "[1]"));
        Assert.True(Schemas.Accepts(node, "{}"));
    }

    [Fact]
    public void GuidedChoiceIsExactlyOneOfTheStrings()
    {
        var node = new LiteralNode([.. Choices.Select(System.Text.Encoding.UTF8.GetBytes)]);
        Assert.True(Schemas.Accepts(node, "yes"));
        Assert.True(Schemas.Accepts(node, "yes please"));
        Assert.False(Schemas.Accepts(node, "yes p"));
        Assert.False(Schemas.IsPrefix(node, "nope"));
    }
}
