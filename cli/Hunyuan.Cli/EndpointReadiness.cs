using System.Diagnostics;
using System.Net.Http.Headers;

namespace Hunyuan.Cli;

/// <summary>Polls an endpoint's /health/ready until it answers 200 or the time is up (readiness wants the API key, if any).</summary>
internal static class EndpointReadiness
{
    /// <param name="root">The endpoint's root, such as http://10.0.0.1:8000 (no /v1).</param>
    public static async Task<bool> WaitAsync(Uri root, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        var ready = new Uri(root, "/health/ready");
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            try
            {
                using var response = await http.GetAsync(ready, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(500, cancellationToken);
        }

        return false;
    }
}
