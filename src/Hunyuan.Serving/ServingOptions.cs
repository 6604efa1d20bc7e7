using System.Net;

namespace Hunyuan.Serving;

/// <summary>The OpenAI-compatible endpoint on the head node: where it listens, who may use it, and its limits.</summary>
public sealed class ServingOptions
{
    /// <summary>Address to listen on.</summary>
    /// <value>127.0.0.1 (pass the head's cluster address to serve other hosts; that needs an API key).</value>
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

    /// <summary>PEM certificate (chain) to serve HTTPS with; with <see cref="TlsKeyFile"/>. Plain HTTP when unset.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Seconds a client should wait before retrying after a 429 (queue full, too many requests at once) or a 503 (the deployment not ready).</summary>
    /// <value>1.</value>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Largest request body; a larger one is refused with 413 before it is read.</summary>
    /// <value>16 MiB.</value>
    public long MaxRequestBodyBytes { get; set; } = 16L << 20;

    /// <summary>Longest prompt in characters (all messages together), checked before tokenizing.</summary>
    /// <value>1,048,576.</value>
    public int MaxPromptCharacters { get; set; } = 1 << 20;

    /// <summary>Most stop strings in one request.</summary>
    /// <value>16.</value>
    public int MaxStopStrings { get; set; } = 16;

    /// <summary>Longest stop string, in characters.</summary>
    /// <value>256.</value>
    public int MaxStopStringLength { get; set; } = 256;

    /// <summary>Generation requests served at once (streams included); more are refused with 429 and Retry-After.</summary>
    /// <value>256.</value>
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>Serves HTTPS (both TLS files given).</summary>
    public bool Https => TlsCertificateFile is { Length: > 0 } && TlsKeyFile is { Length: > 0 };

    /// <summary>What is wrong with these options, one sentence each; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535)
        {
            problems.Add($"--port {Port} is not a TCP port");
        }

        if (string.IsNullOrWhiteSpace(ModelName))
        {
            problems.Add("the served model needs a name");
        }

        if (ApiKeyEnv is { Length: > 0 } env && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(env)))
        {
            problems.Add($"--api-key-env {env}: that environment variable is not set");
        }

        if (ApiKeyEnv is { Length: > 0 } && ApiKeyFile is { Length: > 0 })
        {
            problems.Add("give --api-key-env or --api-key-file, not both");
        }

        if (ApiKeyFile is { Length: > 0 } file && (!File.Exists(file) || string.IsNullOrWhiteSpace(File.ReadAllText(file))))
        {
            problems.Add($"--api-key-file {file}: no such file, or it is empty");
        }

        if (problems.Count == 0 && !IsLoopback(Host) && ResolveApiKey() is null)
        {
            problems.Add($"--host {Host} is not a loopback address: anyone who can reach it could use the model. Give an API key (--api-key-env or --api-key-file), or listen on 127.0.0.1");
        }

        if ((TlsCertificateFile is { Length: > 0 }) != (TlsKeyFile is { Length: > 0 }))
        {
            problems.Add("HTTPS needs both a certificate and its key (--tls-cert and --tls-key)");
        }

        foreach (var f in new[] { TlsCertificateFile, TlsKeyFile })
        {
            if (f is { Length: > 0 } && !File.Exists(f))
            {
                problems.Add($"{f}: no such file");
            }
        }

        if (RetryAfterSeconds < 1 || MaxRequestBodyBytes < 1024 || MaxPromptCharacters < 1 || MaxStopStrings < 0 || MaxStopStringLength < 1 || MaxConcurrentRequests < 1)
        {
            problems.Add($"a limit is out of range: Retry-After {RetryAfterSeconds} s (>= 1), body {MaxRequestBodyBytes} bytes (>= 1024), prompt {MaxPromptCharacters} characters (>= 1), {MaxStopStrings} stop strings (>= 0) of {MaxStopStringLength} characters (>= 1), {MaxConcurrentRequests} concurrent requests (>= 1)");
        }

        return problems;
    }

    /// <summary>Throws an ArgumentException naming the first problem (the CLI's early check, before anything starts).</summary>
    public void Validate()
    {
        if (Problems() is [var first, ..])
        {
            throw new ArgumentException(first);
        }
    }

    /// <summary>The key clients must send, or null when none is required.</summary>
    public string? ResolveApiKey() =>
        ApiKeyEnv is { Length: > 0 } env ? Environment.GetEnvironmentVariable(env)
        : ApiKeyFile is { Length: > 0 } file ? File.ReadAllText(file).Trim()
        : null;

    /// <summary>localhost, 127.0.0.0/8 or ::1.</summary>
    public static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>These values onto another instance (the one the options system hands the endpoint).</summary>
    public void CopyTo(ServingOptions other)
    {
        other.Host = Host;
        other.Port = Port;
        other.ModelName = ModelName;
        other.ModelAliases = ModelAliases;
        other.ApiKeyEnv = ApiKeyEnv;
        other.ApiKeyFile = ApiKeyFile;
        other.TlsCertificateFile = TlsCertificateFile;
        other.TlsKeyFile = TlsKeyFile;
        other.RetryAfterSeconds = RetryAfterSeconds;
        other.MaxRequestBodyBytes = MaxRequestBodyBytes;
        other.MaxPromptCharacters = MaxPromptCharacters;
        other.MaxStopStrings = MaxStopStrings;
        other.MaxStopStringLength = MaxStopStringLength;
        other.MaxConcurrentRequests = MaxConcurrentRequests;
    }
}
