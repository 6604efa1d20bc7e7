using Hunyuan.Serving.OpenAi.Requests;
using Hunyuan.Serving.OpenAi.Responses;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hunyuan.Serving.OpenAi.Endpoints;

/// <summary>vLLM's POST /tokenize and /detokenize (outside /v1, as vLLM serves them).</summary>
internal static class TokenizerEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/tokenize", TokenizeAsync).Accepts<TokenizeRequest>("application/json").ProducesErrors();
        app.MapPost("/detokenize", DetokenizeAsync).Accepts<DetokenizeRequest>("application/json").ProducesErrors();
    }

    private static async Task<Ok<TokenizeResponse>> TokenizeAsync(HttpContext ctx, [FromServices] IServingBackend backend, [FromServices] IOptions<ServingOptions> options)
    {
        var body = await RequestBody.ReadAsync(ctx.Request, OpenAiJson.Default.TokenizeRequest);
        ServedModel.RequireKnown(body.Model, options.Value);
        var ids = body.Messages is not null
            ? ServedModel.ChatIds(body.Messages, backend, options.Value)
            : ServedModel.PromptIds(body.Prompt, backend, options.Value);
        return TypedResults.Ok(new TokenizeResponse(ids.Length, backend.MaxModelLen, ids.Select(i => (int)i).ToArray()));
    }

    private static async Task<Ok<DetokenizeResponse>> DetokenizeAsync(HttpContext ctx, [FromServices] IServingBackend backend, [FromServices] IOptions<ServingOptions> options)
    {
        var body = await RequestBody.ReadAsync(ctx.Request, OpenAiJson.Default.DetokenizeRequest);
        ServedModel.RequireKnown(body.Model, options.Value);
        var ids = body.Tokens ?? [];
        ServedModel.RequireInVocabulary(ids, backend.Tokenizer, "tokens");
        return TypedResults.Ok(new DetokenizeResponse(backend.Tokenizer.Decode(ids.Select(i => (int)i))));
    }
}
