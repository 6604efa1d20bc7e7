using Hunyuan.Model.Generation;

namespace Hunyuan.Serving;

/// <summary>The sampling and stopping fields shared by chat and text completions (vLLM's names and defaults).</summary>
internal sealed record GenerationSettings(
    int MaxTokens, SamplingParameters Sampling, string[] StopStrings, long[] StopTokenIds, bool IgnoreEos, bool Stream, bool IncludeUsage)
{
    public static GenerationSettings Read(RequestReader r, int promptTokens, int maxModelLen, int vocabLimit)
    {
        if (r.Integer("n", 1, 128) is > 1)
        {
            throw ApiException.BadRequest("only n = 1 is supported", "n");
        }

        if (r.Bool("logprobs") == true || r.Has("top_logprobs"))
        {
            throw ApiException.BadRequest("logprobs are not supported", r.Has("top_logprobs") ? "top_logprobs" : "logprobs");
        }

        if (r.Root.TryGetProperty("logprobs", out var lp) && lp.ValueKind == System.Text.Json.JsonValueKind.Number)
        {
            throw ApiException.BadRequest("logprobs are not supported", "logprobs");
        }

        var room = maxModelLen - promptTokens;
        var maxTokens = (int)(r.Integer("max_completion_tokens", 1, int.MaxValue) ?? r.Integer("max_tokens", 1, int.MaxValue) ?? room);
        if (maxTokens > room)
        {
            throw ApiException.BadRequest($"the prompt ({promptTokens} tokens) plus max_tokens ({maxTokens}) exceeds the context of {maxModelLen} tokens", r.Has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
        }

        var seed = r.Integer("seed") ?? Random.Shared.NextInt64();
        var sampling = new SamplingParameters(
            Temperature: r.Number("temperature", 0, 2) ?? 1.0,
            TopP: r.Number("top_p", 0, 1) is { } p && p > 0 ? p : (r.Has("top_p") ? throw ApiException.BadRequest("'top_p' must be in (0, 1]", "top_p") : 1.0),
            TopK: (int)(r.Integer("top_k", -1, int.MaxValue) is { } k && k > 0 ? k : 0),
            MinP: r.Number("min_p", 0, 1) ?? 0,
            RepetitionPenalty: r.Number("repetition_penalty", 0.0001, 10) ?? 1,
            PresencePenalty: r.Number("presence_penalty", -2, 2) ?? 0,
            FrequencyPenalty: r.Number("frequency_penalty", -2, 2) ?? 0,
            Seed: seed,
            VocabLimit: vocabLimit);
        var stream = r.Bool("stream") ?? false;
        var includeUsage = r.Get("stream_options") is { } so && so.ValueKind == System.Text.Json.JsonValueKind.Object
            && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == System.Text.Json.JsonValueKind.True;
        return new GenerationSettings(maxTokens, sampling, r.Strings("stop").Where(s => s.Length > 0).ToArray(), r.IntegerArray("stop_token_ids"), r.Bool("ignore_eos") ?? false, stream, includeUsage);
    }
}
