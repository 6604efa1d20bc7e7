using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Hunyuan.Cluster.Services;

/// <summary>
/// Polls an endpoint's /health/ready until it answers 200 or the time is up (readiness wants the API key, if any). Over
/// https with an authority, the endpoint's certificate must chain to that CA and name the address asked for.
/// </summary>
public sealed class HttpEndpointProbe(TimeProvider time) : IEndpointProbe
{
    public async Task<bool> WaitReadyAsync(Uri root, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken, string? authority = null)
    {
        using var trusted = authority is null ? null : X509Certificate2.CreateFromPem(File.ReadAllText(authority));
        using var handler = new HttpClientHandler();
        if (trusted is not null)
        {
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => certificate is not null && ChainsTo(certificate, trusted, errors);
        }

        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
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

    /// <summary>The certificate chains to <paramref name="authority"/> alone (not the system's roots), and TLS found no other fault (the name matches).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority, SslPolicyErrors errors)
    {
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
