namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>Text the tokenizer can take: JSON's \uD800-style escapes can carry a lone surrogate, which no encoding can represent.</summary>
internal static class TextChecks
{
    public static void RequireWellFormed(string text, string where, string field)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                throw ApiException.BadRequest($"{where} has a lone surrogate (\\u{(int)c:X4}) at character {i}: not valid Unicode text", field);
            }
        }
    }
}
