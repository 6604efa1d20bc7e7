using System.Globalization;
using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hunyuan.Serving.OpenAi.Errors;

/// <summary>
/// The one place an exception becomes an HTTP error, always in OpenAI's shape ({"error": {message, type, param, code}}),
/// chosen by the exception's type: the endpoint's own ApiException, Kestrel's bad requests (413 for a body over the
/// limit), the scheduler's queue-full (429 with the configured Retry-After) and anything else as a 500. A 503 (the
/// deployment not ready: a lost rank until it heals) carries the same Retry-After, so clients wait and come back.
/// </summary>
internal sealed partial class OpenAiExceptionHandler(IOptions<ServingOptions> options, ILogger<OpenAiExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var error = ToApiError(exception, options.Value);
        if (error.Status >= 500)
        {
            LogServerError(log, httpContext.Request.Path, exception);
        }

        await WriteAsync(httpContext, error, options.Value);
        return true;
    }

    public static ApiException ToApiError(Exception exception, ServingOptions options) => exception switch
    {
        ApiException e => e,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new ApiException(413,
            string.Create(CultureInfo.InvariantCulture, $"the request body is larger than {options.MaxRequestBodyBytes} bytes"), "invalid_request_error", null, "request_too_large"),
        BadHttpRequestException e => new ApiException(e.StatusCode, e.Message, "invalid_request_error"),
        JsonException e => ApiException.BadRequest($"the body is not valid JSON: {e.Message}"),
        QueueFullException e => ApiException.TooManyRequests(e.Message, "queue_full"),
        _ => new ApiException(500, "internal error; the endpoint's log has the details", "server_error"),
    };

    /// <summary>Writes an error as the whole response (status, Retry-After for 429 and 503, the JSON body).</summary>
    public static async Task WriteAsync(HttpContext httpContext, ApiException error, ServingOptions options)
    {
        httpContext.Response.Clear();
        httpContext.Response.StatusCode = error.Status;
        if (error.Status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        await httpContext.Response.WriteAsJsonAsync(error.Body(), OpenAiJson.Default.ErrorBody, contentType: null, httpContext.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Path}: the request failed")]
    private static partial void LogServerError(ILogger logger, string path, Exception exception);
}
