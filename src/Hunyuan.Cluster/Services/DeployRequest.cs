namespace Hunyuan.Cluster.Services;

/// <summary>`hyc deploy`: what to deploy, how, and whether to wait and start the endpoint.</summary>
public sealed record DeployRequest
{
    /// <summary>A model directory (the same path on every host) or a built-in name.</summary>
    public required string Model { get; init; }

    /// <summary>The deployment's name; default the model directory's name.</summary>
    public string? Name { get; init; }

    public string Variant { get; init; } = "bf16";

    public string DType { get; init; } = "bfloat16";

    public int? Tp { get; init; }

    public int? Pp { get; init; }

    /// <summary>ep, tp, or auto: the deployment grain picks by the bytes each GPU reads and its bandwidth.</summary>
    public string Experts { get; init; } = "auto";

    public bool Fp8ExactDequantize { get; init; }

    public int? MaxModelLen { get; init; }

    public bool Wait { get; init; } = true;

    /// <summary>Leave a deployment of this name alone when it is ready with the same model and variant (`up --deploy` run again converges, it does not reload).</summary>
    public bool KeepReady { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Start the OpenAI endpoint once ready (where the cluster's runtime serves).</summary>
    public bool Serve { get; init; } = true;

    public int ServePort { get; init; } = 8000;

    /// <summary>The name of an environment variable holding the API key the endpoint will require.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Serve the endpoint over HTTPS with the head's certificate from the cluster CA (clusters from a host list).</summary>
    public bool Https { get; init; }
}
