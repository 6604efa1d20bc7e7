using System.Net;
using System.Text.Json;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// A streamed completion read event by event: how many tokens came, and how it ended (the [DONE] event, an error event
/// in OpenAI's shape, an error status before the stream started, or the connection closing without either). Every read
/// has a bound, so a stream that hangs fails the test instead of the test hanging.
/// </summary>
public sealed class StreamedCompletion : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader? _reader;

    private StreamedCompletion(HttpResponseMessage response, StreamReader? reader, string? refusal)
    {
        _response = response;
        _reader = reader;
        if (refusal is not null)
        {
            End = new StreamEnd(StreamEndKind.Refused, $"{(int)response.StatusCode}: {refusal}");
        }
    }

    public List<long> Tokens { get; } = [];

    /// <summary>How the stream ended; null while it goes on.</summary>
    public StreamEnd? End { get; private set; }

    public HttpStatusCode Status => _response.StatusCode;

    public static async Task<StreamedCompletion> OpenAsync(HttpClient http, Uri v1, long[] prompt, int maxTokens, TimeSpan bound, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(bound);
        using var request = CompletionCalls.Request(v1, prompt, maxTokens, stream: true);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new StreamedCompletion(response, null, await response.Content.ReadAsStringAsync(cts.Token));
        }

        return new StreamedCompletion(response, new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token)), null);
    }

    /// <summary>Reads until at least <paramref name="count"/> tokens came or the stream ended; false if neither within the bound.</summary>
    public async Task<bool> ReadTokensAsync(int count, TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        try
        {
            while (End is null && Tokens.Count < count)
            {
                await ReadEventAsync(cts.Token);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads to the end; false if it has not ended within the bound (or was cancelled).</summary>
    public async Task<bool> ReadToEndAsync(TimeSpan bound, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(bound);
        try
        {
            while (End is null)
            {
                await ReadEventAsync(cts.Token);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _response.Dispose();
    }

    private async Task ReadEventAsync(CancellationToken cancellationToken)
    {
        string? line;
        try
        {
            line = await _reader!.ReadLineAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            End = new StreamEnd(StreamEndKind.Closed, e.Message);
            return;
        }

        if (line is null)
        {
            End = new StreamEnd(StreamEndKind.Closed, "the connection closed without [DONE] or an error event");
            return;
        }

        if (!line.StartsWith("data: ", StringComparison.Ordinal))
        {
            return;
        }

        var data = line["data: ".Length..];
        if (data == "[DONE]")
        {
            End = new StreamEnd(StreamEndKind.Done, "[DONE]");
            return;
        }

        var json = JsonDocument.Parse(data).RootElement;
        if (json.TryGetProperty("error", out var error))
        {
            End = new StreamEnd(error.TryGetProperty("type", out _) && error.TryGetProperty("message", out var m) ? StreamEndKind.Error : StreamEndKind.Closed, data);
            return;
        }

        foreach (var choice in json.GetProperty("choices").EnumerateArray())
        {
            if (choice.TryGetProperty("logprobs", out var logprobs) && logprobs.ValueKind == JsonValueKind.Object)
            {
                Tokens.AddRange(CompletionCalls.Ids(logprobs));
            }
        }
    }
}

public enum StreamEndKind
{
    /// <summary>The [DONE] event: the request finished.</summary>
    Done,

    /// <summary>An error event in OpenAI's shape ({"error": {"message", "type", ...}}).</summary>
    Error,

    /// <summary>An error status before the stream started (its body is in the detail).</summary>
    Refused,

    /// <summary>The connection ended without [DONE] or a well-formed error event.</summary>
    Closed,
}

public sealed record StreamEnd(StreamEndKind Kind, string Detail);
