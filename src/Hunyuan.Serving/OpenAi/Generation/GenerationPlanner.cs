using System.Globalization;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Engine.StructuredOutput;
using Hunyuan.Model.Generation;
using Hunyuan.Serving.OpenAi.Requests;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>
/// The one place a parsed request becomes the scheduler's <see cref="GenerationRequest"/>: every field checked against
/// its range (a 400 naming it), vLLM's defaults filled in, what this endpoint cannot honour refused.
/// </summary>
internal static class GenerationPlanner
{
    public static GenerationPlan Plan(GenerationRequestBody body, long[] prompt, string promptField, IServingBackend backend, ServingOptions options)
    {
        if (prompt.Length == 0)
        {
            throw ApiException.BadRequest("the prompt is empty", promptField);
        }

        if (prompt.Length >= backend.MaxModelLen)
        {
            throw ApiException.BadRequest($"the prompt has {prompt.Length} tokens; the context is {backend.MaxModelLen}", promptField);
        }

        RefuseUnsupported(body);
        var room = backend.MaxModelLen - prompt.Length;
        var maxTokensField = body.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var maxTokens = body.MaxCompletionTokens ?? body.MaxTokens ?? room;
        if (maxTokens < 1)
        {
            throw ApiException.BadRequest($"'{maxTokensField}' must be at least 1, got {maxTokens}", maxTokensField);
        }

        if (maxTokens > room)
        {
            throw ApiException.BadRequest($"the prompt ({prompt.Length} tokens) plus {maxTokensField} ({maxTokens}) exceeds the context of {backend.MaxModelLen} tokens", maxTokensField);
        }

        if (body.TopP is <= 0)
        {
            throw ApiException.BadRequest("'top_p' must be in (0, 1]", "top_p");
        }

        var sampling = new SamplingParameters(
            Temperature: In(body.Temperature, "temperature", 0, 2) ?? 1.0,
            TopP: In(body.TopP, "top_p", 0, 1) ?? 1.0,
            TopK: In(body.TopK, "top_k", -1, int.MaxValue) is > 0 ? body.TopK!.Value : 0,
            MinP: In(body.MinP, "min_p", 0, 1) ?? 0,
            RepetitionPenalty: In(body.RepetitionPenalty, "repetition_penalty", 0.0001, 10) ?? 1,
            PresencePenalty: In(body.PresencePenalty, "presence_penalty", -2, 2) ?? 0,
            FrequencyPenalty: In(body.FrequencyPenalty, "frequency_penalty", -2, 2) ?? 0,
            Seed: body.Seed ?? Random.Shared.NextInt64(),
            VocabLimit: backend.Tokenizer.VocabularySize,
            Logprobs: Logprobs(body));

        // stop_token_ids outside this vocabulary are accepted and never match, as vLLM does: the seed's script sends
        // the real model's 127960 whatever model it talks to.
        var request = new GenerationRequest(prompt, maxTokens, sampling, (body.StopTokenIds ?? []).ToHashSet(),
            backend.Tokenizer.StopIds.Select(i => (long)i).ToHashSet(), body.IgnoreEos ?? false, Grammar(body, backend), N: body.N ?? 1);
        var stream = body.Stream ?? false;
        return new GenerationPlan(request, StopStrings(body.Stop, options), stream, stream && body.StreamOptions?.IncludeUsage == true,
            stream && body.StreamOptions?.ContinuousUsageStats == true, promptField);
    }

    /// <summary>The characters of a prompt, checked before it is tokenized.</summary>
    public static void CheckPromptCharacters(long characters, string promptField, ServingOptions options)
    {
        if (characters > options.MaxPromptCharacters)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"the prompt has {characters} characters; at most {options.MaxPromptCharacters} are accepted"), promptField);
        }
    }

    private static string[] StopStrings(string[]? stop, ServingOptions options)
    {
        var stops = stop ?? [];
        if (stops.Length > options.MaxStopStrings)
        {
            throw ApiException.BadRequest($"'stop' has {stops.Length} strings; at most {options.MaxStopStrings} are accepted", "stop");
        }

        if (stops.FirstOrDefault(s => s.Length > options.MaxStopStringLength) is { } longest)
        {
            throw ApiException.BadRequest($"a stop string has {longest.Length} characters; at most {options.MaxStopStringLength} are accepted", "stop");
        }

        return stops.Where(s => s.Length > 0).ToArray();
    }

    /// <summary>response_format, guided_json or guided_choice as a grammar (shared by requests with the same schema), or null.</summary>
    private static ITokenGrammar? Grammar(GenerationRequestBody body, IServingBackend backend)
    {
        try
        {
            var format = body.ResponseFormat is { } f ? new ResponseFormatFields(f.Type, f.JsonSchema is not null, f.JsonSchema?.Name, f.JsonSchema?.Schema) : null;
            return StructuredOutputRequest.FromFields(format, body.GuidedJson, body.GuidedChoice) is { } definition
                ? GrammarCaches.For(backend.Tokenizer).Get(definition)
                : null;
        }
        catch (InvalidSchemaException ex)
        {
            throw ApiException.BadRequest(ex.Message, ex.Field);
        }
    }

    private static void RefuseUnsupported(GenerationRequestBody body)
    {
        if (body.N is { } n)
        {
            In(n, "n", 1, GenerationRequest.MaxChoices);
        }

        if (body.BestOf is > 1)
        {
            throw ApiException.BadRequest("best_of is not supported: ask for n independent choices instead", "best_of");
        }

        switch (body)
        {
            case ChatCompletionRequest { Tools: { ValueKind: not System.Text.Json.JsonValueKind.Null } tools } when tools.ValueKind != System.Text.Json.JsonValueKind.Array || tools.GetArrayLength() > 0:
                throw ApiException.BadRequest("this model's chat template has no tool format: tools and tool calls are not supported", "tools");
            case ChatCompletionRequest { ToolChoice: { } choice } when !(choice.ValueKind == System.Text.Json.JsonValueKind.Null || (choice.ValueKind == System.Text.Json.JsonValueKind.String && choice.GetString() is "none" or "auto")):
                throw ApiException.BadRequest("this model's chat template has no tool format: tool_choice can only be \"none\"", "tool_choice");
        }
    }

    /// <summary>
    /// How many top candidates to report beside each token's own logprob, or -1 for no logprobs: chat's top_logprobs
    /// (0-20, only with logprobs: true), completions' logprobs (0-20).
    /// </summary>
    private static int Logprobs(GenerationRequestBody body) => body switch
    {
        ChatCompletionRequest { TopLogprobs: not null, Logprobs: not true } =>
            throw ApiException.BadRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs"),
        ChatCompletionRequest { Logprobs: true } chat => (int)(In(chat.TopLogprobs, "top_logprobs", 0, TokenLogprobs.MaxTop) ?? 0),
        CompletionRequest { Logprobs: { } n } => (int)In(n, "logprobs", 0, TokenLogprobs.MaxTop)!,
        _ => -1,
    };

    private static double? In(double? value, string field, double min, double max) =>
        value is not { } v ? null
        : double.IsFinite(v) && v >= min && v <= max ? v
        : throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'{field}' must be between {min} and {max}, got {v}"), field);
}
