using System.Runtime.CompilerServices;
using Hunyuan.Engine.StructuredOutput;
using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>One grammar cache per tokenizer (its vocabulary and trie built once), living as long as the tokenizer.</summary>
internal static class GrammarCaches
{
    private static readonly ConditionalWeakTable<HunyuanTokenizer, TokenGrammarCache> Caches = [];

    public static TokenGrammarCache For(HunyuanTokenizer tokenizer) =>
        Caches.GetValue(tokenizer, t => new TokenGrammarCache(TokenVocabulary.From(t)));
}
