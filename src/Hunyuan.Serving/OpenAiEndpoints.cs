using System.Globalization;
using System.Text;
using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Tokenization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Serving;

/// <summary>
/// The OpenAI-compatible routes (the subset vLLM 0.5.5 serves, which the seed's clients use): chat and text
/// completions with SSE streaming, models, tokenize/detokenize, health, readiness and Prometheus metrics.
/// </summary>
public static partial class OpenAiEndpoints
{
    public static void Map(WebApplication app, IServingBackend backend, ServingOptions options)
    {
        var apiKey = options.ResolveApiKey();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Hunyuan.Serving.Requests");
        app.Use(async (ctx, next) =>
        {
            // The dashboard checks the key itself: it also accepts its cookie, and answers a browser with the key form.
            if (apiKey is not null && ctx.Request.Path != "/health" && !ctx.Request.Path.StartsWithSegments("/dashboard") && !KeyMatches(ctx.Request.Headers.Authorization.ToString(), apiKey))
            {
                await WriteError(ctx, new ApiException(401, "missing or wrong API key (Authorization: Bearer ...)", "authentication_error", null, "invalid_api_key"));
                return;
            }

            await next(ctx);
        });

        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/health/ready", (HttpContext ctx) =>
        {
            var (ready, reason) = backend.Readiness();
            return Results.Json(new { status = ready ? "ready" : "not ready", reason }, statusCode: ready ? 200 : 503);
        });
        var metrics = new ServingMetrics(backend.Scheduler.Metrics, options.ModelName);
        app.Lifetime.ApplicationStopped.Register(metrics.Dispose);
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(ctx.Response.Body, ctx.RequestAborted);
        });
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[]
            {
                new { id = options.ModelName, @object = "model", created = Created, owned_by = "hunyuan-cluster", root = options.ModelAliases.Count > 0 ? options.ModelAliases[0] : options.ModelName, max_model_len = backend.MaxModelLen },
            },
        }));
        app.MapPost("/tokenize", ctx => Guard(ctx, async () =>
        {
            var r = RequestReader.Parse(await Body(ctx));
            CheckModel(r, options);
            var ids = r.Has("messages") ? ChatTemplate.Encode(backend.Tokenizer, Messages(r)) : PromptIds(r, backend.Tokenizer);
            await Json(ctx, 200, w =>
            {
                w.WriteNumber("count", ids.Length);
                w.WriteNumber("max_model_len", backend.MaxModelLen);
                w.WriteStartArray("tokens");
                foreach (var id in ids)
                {
                    w.WriteNumberValue(id);
                }

                w.WriteEndArray();
            });
        }));
        app.MapPost("/detokenize", ctx => Guard(ctx, async () =>
        {
            var r = RequestReader.Parse(await Body(ctx));
            CheckModel(r, options);
            var ids = r.IntegerArray("tokens");
            CheckIds(ids, backend.Tokenizer, "tokens");
            await Json(ctx, 200, w => w.WriteString("prompt", backend.Tokenizer.Decode(ids.Select(i => (int)i))));
        }));
        app.MapPost("/v1/chat/completions", ctx => Guard(ctx, async () =>
        {
            var r = RequestReader.Parse(await Body(ctx));
            CheckModel(r, options);
            var prompt = ChatTemplate.Encode(backend.Tokenizer, Messages(r)).Select(i => (long)i).ToArray();
            await Generate(ctx, backend, options, log, r, prompt, chat: true);
        }));
        app.MapPost("/v1/completions", ctx => Guard(ctx, async () =>
        {
            var r = RequestReader.Parse(await Body(ctx));
            CheckModel(r, options);
            var prompt = PromptIds(r, backend.Tokenizer).Select(i => (long)i).ToArray();
            await Generate(ctx, backend, options, log, r, prompt, chat: false);
        }));
    }

    // One line per request, written inside its span: the scope on the line carries the request's trace id.
    [LoggerMessage(Level = LogLevel.Information, Message = "{Id}: {PromptTokens} prompt + {GeneratedTokens} generated tokens, finish {Finish}, {Milliseconds} ms")]
    private static partial void LogRequest(ILogger logger, string id, int promptTokens, int generatedTokens, string finish, long milliseconds);

    private static readonly long Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    // Constant time, so response timing does not reveal how much of a guessed key was right.
    private static bool KeyMatches(string header, string key) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes("Bearer " + key));

    private static async Task Generate(HttpContext ctx, IServingBackend backend, ServingOptions options, ILogger log, RequestReader r, long[] prompt, bool chat)
    {
        var (ready, reason) = backend.Readiness();
        if (!ready)
        {
            throw new ApiException(503, $"the deployment is not ready: {reason}", "service_unavailable", null, "not_ready");
        }

        if (prompt.Length == 0)
        {
            throw ApiException.BadRequest("the prompt is empty", chat ? "messages" : "prompt");
        }

        if (prompt.Length >= backend.MaxModelLen)
        {
            throw ApiException.BadRequest($"the prompt has {prompt.Length} tokens; the context is {backend.MaxModelLen}", chat ? "messages" : "prompt");
        }

        var s = GenerationSettings.Read(r, prompt.Length, backend.MaxModelLen, backend.Tokenizer.VocabularySize);
        var tok = backend.Tokenizer;
        // stop_token_ids outside this vocabulary are accepted and never match, as vLLM does: the seed's script sends
        // the real model's 127960 whatever model it talks to.
        var request = new GenerationRequest(prompt, s.MaxTokens, s.Sampling, s.StopTokenIds.ToHashSet(), tok.StopIds.Select(i => (long)i).ToHashSet(), s.IgnoreEos);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        var events = backend.Scheduler.Submit(request, cancel.Token);
        var id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N")[..24];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var text = new TextStream(tok, s.StopStrings);
        var generated = 0;
        string? finish = null;

        if (s.Stream)
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            if (chat)
            {
                await Sse(ctx, Chunk(id, created, options.ModelName, chat, "assistant", "", null));
            }
        }

        try
        {
            await foreach (var e in events.ReadAllAsync(cancel.Token))
            {
                if (e.Finish is { } f)
                {
                    if (f == FinishReason.Error)
                    {
                        throw new ApiException(500, $"the deployment failed this request: {e.Error}", "server_error");
                    }

                    finish ??= f == FinishReason.Length ? "length" : "stop";
                    break;
                }

                generated++;
                var delta = text.Add(e.Token);
                if (s.Stream && delta.Length > 0)
                {
                    await Sse(ctx, Chunk(id, created, options.ModelName, chat, null, delta, null));
                }

                if (text.StoppedByString)
                {
                    finish = "stop";
                    await cancel.CancelAsync();
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            LogRequest(log, id, prompt.Length, generated, "abort", clock.ElapsedMilliseconds);
            return;   // the client went away; the scheduler frees the request's blocks at its next step
        }

        finish ??= "length";
        LogRequest(log, id, prompt.Length, generated, finish, clock.ElapsedMilliseconds);
        var rest = text.Flush();
        if (s.Stream)
        {
            if (rest.Length > 0)
            {
                await Sse(ctx, Chunk(id, created, options.ModelName, chat, null, rest, null));
            }

            await Sse(ctx, Chunk(id, created, options.ModelName, chat, null, null, finish));
            if (s.IncludeUsage)
            {
                await Sse(ctx, Serialize(w =>
                {
                    Header(w, id, created, options.ModelName, chat ? "chat.completion.chunk" : "text_completion");
                    w.WriteStartArray("choices");
                    w.WriteEndArray();
                    Usage(w, prompt.Length, generated);
                }));
            }

            await ctx.Response.WriteAsync("data: [DONE]\n\n");
            return;
        }

        await Json(ctx, 200, w =>
        {
            Header(w, id, created, options.ModelName, chat ? "chat.completion" : "text_completion");
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            if (chat)
            {
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteString("content", text.Text);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("text", text.Text);
            }

            w.WriteNull("logprobs");
            w.WriteString("finish_reason", finish);
            w.WriteEndObject();
            w.WriteEndArray();
            Usage(w, prompt.Length, generated);
        });
    }

    private static IReadOnlyList<ChatMessage> Messages(RequestReader r)
    {
        if (r.Get("messages") is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0)
        {
            throw ApiException.BadRequest("'messages' must be a non-empty array", "messages");
        }

        var list = new List<ChatMessage>();
        var i = 0;
        foreach (var m in array.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                throw ApiException.BadRequest($"messages[{i}] needs a string 'role'", "messages");
            }

            var content = m.TryGetProperty("content", out var c) ? c : default;
            string text = content.ValueKind switch
            {
                JsonValueKind.String => content.GetString()!,
                JsonValueKind.Null or JsonValueKind.Undefined => "",
                JsonValueKind.Array => string.Concat(content.EnumerateArray().Select((part, j) =>
                    part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.GetString() == "text" && part.TryGetProperty("text", out var pt) && pt.ValueKind == JsonValueKind.String
                        ? pt.GetString()
                        : throw ApiException.BadRequest($"messages[{i}].content[{j}]: only text parts are supported", "messages"))),
                _ => throw ApiException.BadRequest($"messages[{i}].content must be a string or an array of text parts", "messages"),
            };
            list.Add(new ChatMessage(role.GetString()!, text));
            i++;
        }

        return list;
    }

    private static int[] PromptIds(RequestReader r, HunyuanTokenizer tok)
    {
        var p = r.Get("prompt") ?? throw ApiException.BadRequest("'prompt' is required", "prompt");
        switch (p.ValueKind)
        {
            case JsonValueKind.String:
                return tok.Encode(p.GetString()!);
            case JsonValueKind.Array when p.GetArrayLength() > 0 && p.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number):
                var ids = r.IntegerArray("prompt");
                CheckIds(ids, tok, "prompt");
                return ids.Select(i => (int)i).ToArray();
            case JsonValueKind.Array when p.GetArrayLength() == 1 && p[0].ValueKind == JsonValueKind.String:
                return tok.Encode(p[0].GetString()!);
            default:
                throw ApiException.BadRequest("'prompt' must be a string or an array of token ids (one prompt per request)", "prompt");
        }
    }

    private static void CheckIds(IEnumerable<long> ids, HunyuanTokenizer tok, string field)
    {
        foreach (var id in ids)
        {
            if (id < 0 || id >= tok.VocabularySize)
            {
                throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"token id {id} in '{field}' is outside the vocabulary of {tok.VocabularySize}"), field);
            }
        }
    }

    private static void CheckModel(RequestReader r, ServingOptions options)
    {
        var model = r.String("model");
        if (model is null || model == options.ModelName || options.ModelAliases.Contains(model))
        {
            return;
        }

        throw ApiException.NotFound($"The model `{model}` does not exist.", "model", "model_not_found");
    }

    private static async Task Guard(HttpContext ctx, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await WriteError(ctx, e);
        }
        catch (QueueFullException e) when (!ctx.Response.HasStarted)
        {
            ctx.Response.Headers.RetryAfter = "1";
            await WriteError(ctx, new ApiException(429, e.Message, "rate_limit_error", null, "queue_full"));
        }
        catch (PromptTooLongException e) when (!ctx.Response.HasStarted)
        {
            await WriteError(ctx, ApiException.BadRequest(e.Message, "messages"));
        }
        catch (ArgumentException e) when (!ctx.Response.HasStarted)
        {
            await WriteError(ctx, ApiException.BadRequest(e.Message, e.Message.StartsWith("messages", StringComparison.Ordinal) ? "messages" : null));
        }
        catch (ApiException e)
        {
            // Too late for a status code: the stream carries the error as its last event.
            await Sse(ctx, Serialize(w =>
            {
                w.WritePropertyName("error");
                w.WriteRawValue(JsonSerializer.Serialize(e.Body().Error));
            }));
        }
    }

    private static async Task WriteError(HttpContext ctx, ApiException e)
    {
        ctx.Response.StatusCode = e.Status;
        await ctx.Response.WriteAsJsonAsync(e.Body());
    }

    private static async Task<byte[]> Body(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms);
        return ms.ToArray();
    }

    private static string Chunk(string id, long created, string model, bool chat, string? role, string? content, string? finish) => Serialize(w =>
    {
        Header(w, id, created, model, chat ? "chat.completion.chunk" : "text_completion");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        if (chat)
        {
            w.WriteStartObject("delta");
            if (role is not null)
            {
                w.WriteString("role", role);
            }

            if (content is not null)
            {
                w.WriteString("content", content);
            }

            w.WriteEndObject();
        }
        else
        {
            w.WriteString("text", content ?? "");
        }

        w.WriteNull("logprobs");
        if (finish is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finish);
        }

        w.WriteEndObject();
        w.WriteEndArray();
    });

    private static void Header(Utf8JsonWriter w, string id, long created, string model, string type)
    {
        w.WriteString("id", id);
        w.WriteString("object", type);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private static void Usage(Utf8JsonWriter w, int prompt, int completion)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", prompt + completion);
        w.WriteEndObject();
    }

    private static string Serialize(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static async Task Json(HttpContext ctx, int status, Action<Utf8JsonWriter> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(Serialize(body));
    }

    private static async Task Sse(HttpContext ctx, string json)
    {
        await ctx.Response.WriteAsync("data: " + json + "\n\n");
        await ctx.Response.Body.FlushAsync();
    }
}
