namespace Hunyuan.Model.Tokenization;

/// <summary>
/// The chat template of hunyuan-spec §5.2 (the GitHub tokenizer_config.json variant), pinned. When the conversation does
/// not start with a system message the default one is put first, as the seed's scripts always send it. Message text is
/// encoded as text; only the template's own markers are special ids.
/// </summary>
public static class ChatTemplate
{
    public const string DefaultSystemPrompt = "You are a helpful assistant.";

    public static IReadOnlyList<ChatMessage> WithDefaultSystem(IReadOnlyList<ChatMessage> messages) =>
        messages.Count > 0 && messages[0].Role == "system" ? messages : [new ChatMessage("system", DefaultSystemPrompt), .. messages];

    /// <summary>The rendered prompt as text with the special tokens spelled out.</summary>
    public static string Render(IReadOnlyList<ChatMessage> messages) =>
        string.Concat(Pieces(messages).Select(p => p.Special ?? p.Text));

    /// <summary>The prompt's token ids.</summary>
    public static int[] Encode(HunyuanTokenizer tokenizer, IReadOnlyList<ChatMessage> messages)
    {
        var ids = new List<int>();
        foreach (var p in Pieces(messages))
        {
            if (p.Special is not null)
            {
                ids.Add(tokenizer.Specials[p.Special]);
            }
            else
            {
                ids.AddRange(tokenizer.Encode(p.Text));
            }
        }

        return ids.ToArray();
    }

    // A transcription of the Jinja template in Tencent's models/tokenizer_config.json (GitHub), quirks included: an
    // empty first message drops the head and the next user turn gets two <|startoftext|>; a system message after the
    // first is rendered as bare text.
    private static IEnumerable<(string Text, string? Special)> Pieces(IReadOnlyList<ChatMessage> input)
    {
        var messages = WithDefaultSystem(input);
        var hasHead = true;
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var role = m.Role == "developer" ? "system" : m.Role;
            if (role is not ("system" or "user" or "assistant"))
            {
                throw new ArgumentException($"messages[{i}].role: '{m.Role}' is not system, user or assistant");
            }

            var wrappedSystem = false;
            if (i == 0)
            {
                if (m.Content.Length == 0)
                {
                    hasHead = false;
                }
                else if (role == "system")
                {
                    wrappedSystem = true;
                }
            }

            if (wrappedSystem)
            {
                yield return ("", "<|startoftext|>");
                yield return (m.Content, null);
                yield return ("", "<|extra_4|>");
            }
            else if (role == "user")
            {
                if (i == 1 && !hasHead)
                {
                    yield return ("", "<|startoftext|>");
                }

                if (!(i == 1 && hasHead))
                {
                    yield return ("", "<|startoftext|>");
                }

                yield return (m.Content, null);
                yield return ("", "<|extra_0|>");
            }
            else if (role == "assistant")
            {
                yield return (m.Content, null);
                yield return ("", "<|eos|>");
            }
            else
            {
                yield return (m.Content, null);
            }
        }
    }
}
