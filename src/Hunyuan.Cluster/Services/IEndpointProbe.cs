namespace Hunyuan.Cluster.Services;

/// <summary>Whether an OpenAI endpoint answers its readiness route; a seam so deploy's logic is testable without HTTP.</summary>
public interface IEndpointProbe
{
    /// <param name="root">The endpoint's root, such as http://10.0.0.1:8000 (no /v1).</param>
    /// <param name="apiKey">The key readiness wants, if any.</param>
    /// <param name="timeout">How long to keep asking.</param>
    /// <param name="cancellationToken">Stops asking.</param>
    /// <param name="authority">For https: the PEM file of the CA the endpoint's certificate must chain to (the cluster's).</param>
    Task<bool> WaitReadyAsync(Uri root, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken, string? authority = null);
}
