using System.Globalization;
using Hunyuan.Model.Tokenization;
using Hunyuan.Serving.OpenAi.Requests;

namespace Hunyuan.Serving.OpenAi.Endpoints;

/// <summary>Checks every route shares: the model a request names, the backend's readiness, prompts as token ids.</summary>
internal static class ServedModel
{
    public static readonly long Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A request may name the model by its name or an alias, or not at all; any other name is a 404.</summary>
    public static void RequireKnown(string? model, ServingOptions options)
    {
        if (model is null || model == options.ModelName || options.ModelAliases.Contains(model))
        {
            return;
        }

        throw ApiException.NotFound($"The model `{model}` does not exist.", "model", "model_not_found");
    }

    public static void RequireReady(IServingBackend backend)
    {
        var (ready, reason) = backend.Readiness();
        if (!ready)
        {
            throw ApiException.NotReady(reason);
        }
    }

    /// <summary>A completion prompt's ids: its text tokenized (after the character limit), or its ids checked against the vocabulary.</summary>
    public static long[] PromptIds(PromptInput? prompt, IServingBackend backend, ServingOptions options)
    {
        switch (prompt)
        {
            case null:
                throw ApiException.BadRequest("'prompt' is required", "prompt");
            case { Ids: { } ids }:
                RequireInVocabulary(ids, backend.Tokenizer, "prompt");
                return ids;
            default:
                var text = prompt.Text ?? "";
                Generation.GenerationPlanner.CheckPromptCharacters(text.Length, "prompt", options);
                TextChecks.RequireWellFormed(text, "prompt", "prompt");
                return backend.Tokenizer.Encode(text).Select(i => (long)i).ToArray();
        }
    }

    /// <summary>A conversation's ids through the chat template, after the character limit.</summary>
    public static long[] ChatIds(IReadOnlyList<ChatMessageInput>? messages, IServingBackend backend, ServingOptions options)
    {
        var list = ChatMessages.Of(messages);
        Generation.GenerationPlanner.CheckPromptCharacters(list.Sum(m => (long)m.Content.Length), "messages", options);
        return ChatTemplate.Encode(backend.Tokenizer, list).Select(i => (long)i).ToArray();
    }

    public static void RequireInVocabulary(IEnumerable<long> ids, HunyuanTokenizer tokenizer, string field)
    {
        foreach (var id in ids)
        {
            if (id < 0 || id >= tokenizer.VocabularySize)
            {
                throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"token id {id} in '{field}' is outside the vocabulary of {tokenizer.VocabularySize}"), field);
            }
        }
    }
}
