namespace Hunyuan.Serving;

/// <summary>The OpenAI-compatible endpoint on the head node.</summary>
public sealed class ServingOptions
{
    /// <summary>Address to listen on.</summary>
    /// <value>127.0.0.1 (pass the head's cluster address to serve other hosts).</value>
    public string Host { get; set; } = "127.0.0.1";

    /// <value>8000.</value>
    public int Port { get; set; } = 8000;

    /// <summary>The served model's name (the deployment name); clients send it as "model".</summary>
    public string ModelName { get; set; } = "hunyuan";

    /// <summary>Other names accepted for the model, such as its path (the seed's openapi.sh sends the path).</summary>
    public IReadOnlyList<string> ModelAliases { get; set; } = [];

    /// <summary>Name of an environment variable holding the API key; unset (and no file) means no key is required.</summary>
    public string? ApiKeyEnv { get; set; }

    /// <summary>A file holding the API key (0600; how `hyc deploy` hands a key to an endpoint it starts on the head).</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>Seconds a client should wait before retrying when the queue is full.</summary>
    /// <value>1.</value>
    public int RetryAfterSeconds { get; set; } = 1;

    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"--port {Port} is not a TCP port");
        }

        if (string.IsNullOrWhiteSpace(ModelName))
        {
            throw new ArgumentException("the served model needs a name");
        }

        if (ApiKeyEnv is { Length: > 0 } env && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(env)))
        {
            throw new ArgumentException($"--api-key-env {env}: that environment variable is not set");
        }

        if (ApiKeyEnv is { Length: > 0 } && ApiKeyFile is { Length: > 0 })
        {
            throw new ArgumentException("give --api-key-env or --api-key-file, not both");
        }

        if (ApiKeyFile is { Length: > 0 } file && (!File.Exists(file) || string.IsNullOrWhiteSpace(File.ReadAllText(file))))
        {
            throw new ArgumentException($"--api-key-file {file}: no such file, or it is empty");
        }
    }

    /// <summary>The key clients must send, or null when none is required.</summary>
    public string? ResolveApiKey() =>
        ApiKeyEnv is { Length: > 0 } env ? Environment.GetEnvironmentVariable(env)
        : ApiKeyFile is { Length: > 0 } file ? File.ReadAllText(file).Trim()
        : null;
}
