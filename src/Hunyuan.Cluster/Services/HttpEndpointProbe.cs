using System.Net.Http.Headers;

namespace Hunyuan.Cluster.Services;

/// <summary>Polls an endpoint's /health/ready until it answers 200 or the time is up (readiness wants the API key, if any).</summary>
public sealed class HttpEndpointProbe(TimeProvider time) : IEndpointProbe
{
    public async Task<bool> WaitReadyAsync(Uri root, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        var ready = new Uri(root, "/health/ready");
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < timeout)
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

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
        }

        return false;
    }
}
