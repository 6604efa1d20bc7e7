namespace Hunyuan.Cluster.State;

/// <summary>
/// An OpenAI endpoint hyc started for a deployment: where it listens, the process name it is managed under, and the
/// name (never the value) of the environment variable that held its API key, so `up` can start it again as it was.
/// </summary>
public sealed record EndpointRecord(string Deployment, string Url, string Process, int Port = 0, string? ApiKeyEnv = null);
