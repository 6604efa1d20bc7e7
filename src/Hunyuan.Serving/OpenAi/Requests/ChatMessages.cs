using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>A request's messages as the chat template takes them; a 400 naming "messages" for what the template cannot render.</summary>
internal static class ChatMessages
{
    public static IReadOnlyList<ChatMessage> Of(IReadOnlyList<ChatMessageInput>? messages)
    {
        if (messages is not { Count: > 0 })
        {
            throw ApiException.BadRequest("'messages' must be a non-empty array", "messages");
        }

        var list = new List<ChatMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw ApiException.BadRequest($"messages[{i}] must be an object", "messages");
            switch (m.Role)
            {
                case null:
                    throw ApiException.BadRequest($"messages[{i}] needs a string 'role'", "messages");
                case "tool" or "function":
                    throw ApiException.BadRequest($"messages[{i}].role: this model's chat template has no tool format", "messages");
                case not ("system" or "developer" or "user" or "assistant"):
                    throw ApiException.BadRequest($"messages[{i}].role: '{m.Role}' is not system, user or assistant", "messages");
            }

            var content = m.Content ?? "";
            TextChecks.RequireWellFormed(content, $"messages[{i}].content", "messages");
            list.Add(new ChatMessage(m.Role, content));
        }

        return list;
    }
}
