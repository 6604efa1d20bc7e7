using System.Text.Json;
using Hunyuan.Engine.StructuredOutput;

namespace Hunyuan.Engine.Tests.StructuredOutput;

/// <summary>The supported subset compiles; every other keyword and every malformed schema is refused, named, with its path.</summary>
public sealed class JsonSchemaCompilerTests
{
    [Theory]
    [InlineData("pattern", "\"^a\"")]
    [InlineData("minLength", "1")]
    [InlineData("format", "\"date\"")]
    [InlineData("minimum", "0")]
    [InlineData("maximum", "9")]
    [InlineData("exclusiveMinimum", "0")]
    [InlineData("exclusiveMaximum", "9")]
    [InlineData("multipleOf", "2")]
    [InlineData("oneOf", "[{\"type\":\"string\"}]")]
    [InlineData("allOf", "[{\"type\":\"string\"}]")]
    [InlineData("not", "{\"type\":\"string\"}")]
    [InlineData("if", "{\"type\":\"string\"}")]
    [InlineData("patternProperties", "{}")]
    [InlineData("propertyNames", "{}")]
    [InlineData("minProperties", "1")]
    [InlineData("maxProperties", "1")]
    [InlineData("prefixItems", "[]")]
    [InlineData("uniqueItems", "true")]
    [InlineData("contains", "{}")]
    [InlineData("dependentRequired", "{}")]
    [InlineData("unevaluatedProperties", "false")]
    [InlineData("nonsense", "1")]
    public void AnUnsupportedKeywordIsNamedWithItsPath(string keyword, string value)
    {
        var schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"" + keyword + "\":" + value + "}}}}";
        var ex = Assert.Throws<InvalidSchemaException>(() => Schemas.Compile(schema));
        Assert.Equal(keyword, ex.Keyword);
        Assert.Equal("/properties/a/items", ex.Path);
        Assert.Equal("guided_json", ex.Field);
        Assert.Contains($"'{keyword}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unsupported", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":5}""", "type", "")]
    [InlineData("""{"type":"text"}""", "type", "")]
    [InlineData("""{"type":["string","string"]}""", "type", "")]
    [InlineData("""{"type":"array","maxItems":-1}""", "maxItems", "")]
    [InlineData("""{"type":"array","minItems":1.5}""", "minItems", "")]
    [InlineData("""{"type":"array","minItems":3,"maxItems":2}""", "maxItems", "")]
    [InlineData("""{"type":"string","maxLength":"3"}""", "maxLength", "")]
    [InlineData("""{"type":"object","properties":[]}""", "properties", "")]
    [InlineData("""{"type":"object","properties":{"a":{}},"required":"a"}""", "required", "")]
    [InlineData("""{"type":"object","properties":{"a":{}},"required":["b"]}""", "required", "")]
    [InlineData("""{"type":"object","additionalProperties":3}""", "additionalProperties", "")]
    [InlineData("""{"anyOf":[]}""", "anyOf", "")]
    [InlineData("""{"anyOf":[{"type":"string"}],"type":"string"}""", "type", "")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "$ref", "/$ref")]
    [InlineData("""{"$ref":"https://example.com/s.json"}""", "$ref", "/$ref")]
    [InlineData("""{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""", "$ref", "/$defs/a/$ref")]
    [InlineData("""{"type":"string","enum":[1,2]}""", "enum", "")]
    [InlineData("""{"type":"string","maxLength":2,"const":"abc"}""", "const", "")]
    [InlineData("""{"properties":{"a":{"type":"integer","minimum":1}}}""", "minimum", "/properties/a")]
    public void AMalformedOrUnsatisfiableSchemaIsNamed(string schema, string keyword, string path)
    {
        var ex = Assert.Throws<InvalidSchemaException>(() => Schemas.Compile(schema));
        Assert.Equal(keyword, ex.Keyword);
        Assert.Equal(path, ex.Path);
    }

    [Theory]
    [InlineData("false")]
    [InlineData("3")]
    [InlineData("""{"enum":[]}""")]
    public void SomethingThatIsNotASchemaIsRefused(string schema) =>
        Assert.Throws<InvalidSchemaException>(() => Schemas.Compile(schema));

    [Fact]
    public void AnnotationsAreAccepted()
    {
        var node = Schemas.Compile("""
            {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","title":"T","description":"d","$comment":"c",
             "type":"object","properties":{"a":{"type":"integer","default":1,"examples":[1],"deprecated":false,"readOnly":true,"writeOnly":false}},
             "required":["a"],"additionalProperties":false}
            """);
        Assert.True(Schemas.Accepts(node, """{"a":1}"""));
    }

    [Fact]
    public void ResponseFormatFieldsAreNamed()
    {
        static InvalidSchemaException Fails(string responseFormat)
        {
            using var doc = JsonDocument.Parse(responseFormat);
            return Assert.Throws<InvalidSchemaException>(() => StructuredOutputRequest.Parse(doc.RootElement, null, null));
        }

        Assert.Equal("response_format.type", Fails("""{"type":"yaml"}""").Field);
        Assert.Equal("response_format.json_schema", Fails("""{"type":"json_schema"}""").Field);
        Assert.Equal("response_format.json_schema.name", Fails("""{"type":"json_schema","json_schema":{"schema":{}}}""").Field);
        Assert.Equal("response_format.json_schema.schema", Fails("""{"type":"json_schema","json_schema":{"name":"x"}}""").Field);
        var nested = Fails("""{"type":"json_schema","json_schema":{"name":"x","strict":true,"schema":{"type":"object","properties":{"a":{"pattern":"x"}}}}}""");
        Assert.Equal(("response_format.json_schema.schema", "/properties/a", "pattern"), (nested.Field, nested.Path, nested.Keyword));
    }

    [Fact]
    public void GuidedFieldsAreReadAndCheckedAndExclusive()
    {
        using var choice = JsonDocument.Parse("""["yes","no"]""");
        using var json = JsonDocument.Parse("""{"type":"integer"}""");
        using var jsonText = JsonDocument.Parse("\"{\\\"type\\\":\\\"integer\\\"}\"");
        using var text = JsonDocument.Parse("""{"type":"text"}""");
        using var badChoice = JsonDocument.Parse("""["yes",1]""");

        Assert.Null(StructuredOutputRequest.Parse(text.RootElement, null, null));
        Assert.True(Schemas.Accepts(StructuredOutputRequest.Parse(null, null, choice.RootElement)!.Root, "no"));
        Assert.True(Schemas.Accepts(StructuredOutputRequest.Parse(null, json.RootElement, null)!.Root, "42"));
        Assert.True(Schemas.Accepts(StructuredOutputRequest.Parse(null, jsonText.RootElement, null)!.Root, "42"));
        Assert.Equal("guided_choice", Assert.Throws<InvalidSchemaException>(() => StructuredOutputRequest.Parse(null, null, badChoice.RootElement)).Field);
        var both = Assert.Throws<InvalidSchemaException>(() => StructuredOutputRequest.Parse(null, json.RootElement, choice.RootElement));
        Assert.Equal("guided_choice", both.Field);
    }

    [Fact]
    public void TypedFieldsFromAnEndpointAreCheckedAlike()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}""");
        var definition = StructuredOutputRequest.FromFields(new ResponseFormatFields("json_schema", true, "a", schema.RootElement), null, null)!;
        Assert.True(Schemas.Accepts(definition.Root, """{"a":5}"""));
        Assert.Null(StructuredOutputRequest.FromFields(new ResponseFormatFields("text", null, null, null), null, null));
        Assert.True(Schemas.Accepts(StructuredOutputRequest.FromFields(null, null, ["x", "y"])!.Root, "y"));
        Assert.Equal("response_format.json_schema.name", Assert.Throws<InvalidSchemaException>(() =>
            StructuredOutputRequest.FromFields(new ResponseFormatFields("json_schema", true, null, schema.RootElement), null, null)).Field);
        Assert.Equal("guided_choice", Assert.Throws<InvalidSchemaException>(() => StructuredOutputRequest.FromFields(null, null, [])).Field);
        Assert.Equal("guided_choice", Assert.Throws<InvalidSchemaException>(() =>
            StructuredOutputRequest.FromFields(new ResponseFormatFields("json_object", null, null, null), null, ["x"])).Field);
    }

    [Fact]
    public void EqualRequestsShareAGrammar()
    {
        using var a = JsonDocument.Parse("""{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"integer"}}}""");
        using var b = JsonDocument.Parse("""{"type":"json_schema","json_schema":{"name":"y","schema":{"type":"integer"}}}""");
        using var c = JsonDocument.Parse("""{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"number"}}}""");
        var cache = new TokenGrammarCache(Schemas.Bytes(), capacity: 1);
        var first = cache.Get(StructuredOutputRequest.Parse(a.RootElement, null, null)!);
        Assert.Same(first, cache.Get(StructuredOutputRequest.Parse(b.RootElement, null, null)!));
        Assert.NotSame(first, cache.Get(StructuredOutputRequest.Parse(c.RootElement, null, null)!));
        Assert.NotSame(first, cache.Get(StructuredOutputRequest.Parse(a.RootElement, null, null)!));   // capacity 1: evicted
    }
}
