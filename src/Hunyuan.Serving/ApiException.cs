using System.Text.Json.Serialization;

namespace Hunyuan.Serving;

/// <summary>An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}} with its HTTP status.</summary>
public sealed class ApiException(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    public static ApiException BadRequest(string message, string? param = null) => new(400, message, "invalid_request_error", param);

    public static ApiException NotFound(string message, string? param = null, string? code = null) => new(404, message, "invalid_request_error", param, code);

    public static ApiException TooManyRequests(string message, string code) => new(429, message, "rate_limit_error", null, code);

    public static ApiException Unauthorized(string message) => new(401, message, "authentication_error", null, "invalid_api_key");

    public static ApiException NotReady(string reason) => new(503, $"the deployment is not ready: {reason}", "service_unavailable", null, "not_ready");

    public ErrorBody Body() => new(new ErrorDetail(Message, Type, Param, Code));
}

public sealed record ErrorBody([property: JsonPropertyName("error")] ErrorDetail Error);

public sealed record ErrorDetail(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);
