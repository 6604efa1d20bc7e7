namespace Hunyuan.Cluster.Runtimes;

/// <summary>
/// An OpenAI endpoint wanted for a ready deployment. The API key, if any, is named by an environment variable or by a
/// 0600 file on this machine (<see cref="ApiKeyFile"/>: the key `deploy` generated), and never travels in argv.
/// <see cref="Heal"/>: `up` restarting a recorded endpoint, which keeps the key it was given. <see cref="Https"/>: serve
/// TLS with the certificate the cluster CA issued to the head.
/// </summary>
public sealed record EndpointRequest(string Deployment, int Port, string? ApiKeyEnv, bool Heal = false, string? ApiKeyFile = null, bool Https = false);
