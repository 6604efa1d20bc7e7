using System.Text;
using System.Text.Json;
using Hunyuan.Engine.StructuredOutput;
using Hunyuan.Engine.StructuredOutput.Automaton;
using Hunyuan.Model.Tokenization;

namespace Hunyuan.Engine.Tests.StructuredOutput;

/// <summary>Compiling test schemas and asking the automaton about byte strings.</summary>
internal static class Schemas
{
    public static SchemaNode Compile(string schema, GrammarLimits? limits = null)
    {
        using var doc = JsonDocument.Parse(schema);
        return JsonSchemaCompiler.Compile(doc.RootElement, "guided_json", limits);
    }

    /// <summary>The automaton accepts every byte of <paramref name="text"/>: a valid prefix (maybe complete).</summary>
    public static bool IsPrefix(SchemaNode node, string text, GrammarLimits? limits = null) =>
        GrammarStates.Start(node, limits ?? GrammarLimits.Default).Feed(Encoding.UTF8.GetBytes(text)) is not null;

    public static bool IsPrefix(SchemaNode node, byte[] bytes) => GrammarStates.Start(node, GrammarLimits.Default).Feed(bytes) is not null;

    /// <summary>The bytes are a prefix of some value of the grammar.</summary>
    public static bool IsPrefix(TokenGrammar grammar, byte[] bytes) => GrammarStates.Start(grammar.Root, grammar.Limits).Feed(bytes) is not null;

    /// <summary>The text is a whole value the grammar generates.</summary>
    public static bool Accepts(SchemaNode node, string text, GrammarLimits? limits = null) =>
        GrammarStates.Accepts(node, Encoding.UTF8.GetBytes(text), limits ?? GrammarLimits.Default);

    public static HunyuanTokenizer TinyTokenizer() =>
        HunyuanTokenizer.FromTiktoken(new MemoryStream(Encoding.UTF8.GetBytes(Model.Tokenization.TinyTokenizer.Contents())), "tiny");

    /// <summary>The 256 single bytes and one end id (256): every byte string is tokenizable one byte at a time.</summary>
    public static TokenVocabulary Bytes() => new(257, [.. Enumerable.Range(0, 256).Select(b => new[] { (byte)b })], [256]);
}
