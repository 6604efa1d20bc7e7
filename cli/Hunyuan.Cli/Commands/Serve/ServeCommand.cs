using System.CommandLine;
using Hunyuan.Cluster.Serving;
using Hunyuan.Cluster.Services;
using Hunyuan.Engine.Planning;
using Hunyuan.Model.Devices;
using Hunyuan.Grains.Deployments;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Engine.Security;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;
using Hunyuan.Serving;
using Hunyuan.Serving.Backends;

namespace Hunyuan.Cli.Commands.Serve;

/// <summary>
/// `hyc serve`: the OpenAI-compatible endpoint, with continuous batching over a paged KV cache. With --deployment it
/// serves a cluster deployment (this process runs the scheduler; the ranks run on their nodes); with MODEL_DIR it loads
/// the model in this process (TP x PP ranks on threads). Runs until stopped. Exit codes: Success, InvalidArguments,
/// BadConfig, BadCheckpoint, FileError, ClusterUnreachable.
/// </summary>
internal sealed class ServeCommand : Command
{
    private static readonly Argument<string?> ModelArgument = new("MODEL_DIR") { Description = "Model directory with hy.tiktoken, or a built-in: tiny, mini (in-process serving)", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<string?> DeploymentOption = new("--deployment") { Description = "Serve this cluster deployment (with --gateway or --cluster)" };
    private static readonly Option<string> HostOption = new("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
    private static readonly Option<int> PortOption = new("--port") { Description = "Port", DefaultValueFactory = _ => 8000 };
    private static readonly Option<string?> NameOption = new("--name") { Description = "Served model name (default: the directory's name; its path is accepted too)" };
    private static readonly Option<string> VariantOption = new("--variant") { Description = "bf16, fp8 or int8", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "bfloat16 or float32", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int> TpOption = new("--tp") { Description = "Tensor-parallel ranks", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> PpOption = new("--pp") { Description = "Pipeline stages", DefaultValueFactory = _ => 1 };
    private static readonly Option<string?> ApiKeyEnvOption = new("--api-key-env") { Description = "Environment variable holding the API key clients must send" };
    private static readonly Option<string?> ApiKeyFileOption = new("--api-key-file") { Description = "File (0600) holding the API key clients must send" };
    private static readonly Option<int> MaxModelLenOption = new("--max-model-len") { Description = "Longest sequence", DefaultValueFactory = _ => 4096 };
    private static readonly Option<int> MaxNumSeqsOption = new("--max-num-seqs") { Description = "Sequences batched together", DefaultValueFactory = _ => 16 };
    private static readonly Option<bool> TakeOverOption = new("--take-over") { Description = "With --deployment: take the serving lease from the endpoint holding it (that one stops serving)" };
    private static readonly Option<string> KvMemoryOption = new("--kv-cache-memory") { Description = "KV cache memory per rank", DefaultValueFactory = _ => "512MiB" };
    private static readonly Option<bool> NoPrefixCacheOption = new("--no-prefix-cache") { Description = "Prefill every prompt in full: do not keep KV blocks for later requests with the same prefix" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();
    private static readonly Option<bool> HttpsOption = new("--https") { Description = "Serve HTTPS. With --deployment: the certificate the cluster CA issued to --tls-identity (a node-ADDRESS identity, as deploy passes on the head), unless --tls-cert/--tls-key are given" };
    private static readonly Option<string?> TlsCertOption = new("--tls-cert") { Description = "PEM certificate (chain) to serve HTTPS with; with --tls-key" };
    private static readonly Option<string?> TlsKeyOption = new("--tls-key") { Description = "PEM private key of --tls-cert (0600)" };
    private static readonly Option<int> MaxConcurrentOption = new("--max-concurrent-requests") { Description = "Generation requests served at once; more get 429 with Retry-After", DefaultValueFactory = _ => new ServingOptions().MaxConcurrentRequests };
    private static readonly Option<int> RetryAfterOption = new("--retry-after") { Description = "Seconds a refused client is told to wait (Retry-After of a 429, or of a 503 while the deployment is not ready)", DefaultValueFactory = _ => new ServingOptions().RetryAfterSeconds };

    private readonly CliConsole _console;

    public ServeCommand(CliConsole console)
        : base("serve", "Serve a model over the OpenAI API (chat, completions, models, tokenize, metrics)")
    {
        _console = console;
        Arguments.Add(ModelArgument);
        ClusterTargetOptions.AddTo(this, withConnectTimeout: false);
        foreach (var o in new Option[] { DeploymentOption, HostOption, PortOption, NameOption, VariantOption, DTypeOption, TpOption, PpOption, ApiKeyEnvOption, ApiKeyFileOption, MaxModelLenOption, MaxNumSeqsOption, KvMemoryOption, TakeOverOption, NoPrefixCacheOption, DeviceOpt, HttpsOption, TlsCertOption, TlsKeyOption, MaxConcurrentOption, RetryAfterOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => ExecuteAsync(r, ct));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        if (!ModelVariants.TryParse(r.GetValue(VariantOption), out var variant) || !ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--variant must be bf16, fp8 or int8 and --dtype bfloat16 or float32");
        }

        if (!MemoryPlanner.TryParseSize(r.GetValue(KvMemoryOption), out var kvBytes))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--kv-cache-memory: '{r.GetValue(KvMemoryOption)}' is not a size");
        }

        if (r.GetValue(DeploymentOption) is { } deployment)
        {
            return await ServeDeploymentAsync(r, deployment, cancellationToken);
        }

        if (r.GetValue(ModelArgument) is not { } modelArgument)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "give a MODEL_DIR to serve in this process, or --deployment NAME to serve a cluster deployment");
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), Math.Max(1, r.GetValue(TpOption)) * Math.Max(1, r.GetValue(PpOption)), TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        if (r.GetValue(HttpsOption) && r.GetValue(TlsCertOption) is null)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--https needs --tls-cert and --tls-key here (serving a cluster deployment, it can use the cluster CA's certificate instead)");
        }

        var dir = Path.GetFullPath(ModelDirectory.Resolve(modelArgument, _console));
        var options = ServingOptionsOf(r, Path.GetFileName(dir.TrimEnd('/')), [dir, modelArgument], null);
        var engine = new EngineOptions { MaxModelLen = r.GetValue(MaxModelLenOption), MaxNumSeqs = r.GetValue(MaxNumSeqsOption), PrefixCaching = !r.GetValue(NoPrefixCacheOption) };
        return await CommandErrors.GuardAsync(_console, async () =>
        {
            options.Validate();
            await using var backend = await LocalServingBackend.StartAsync(dir, new LoadOptions { DType = dtype, Variant = variant }, r.GetValue(TpOption), r.GetValue(PpOption), kvBytes, engine, device);
            await using var app = ServingHost.Build(backend, options);
            await app.StartAsync(cancellationToken);
            _console.Human($"serving {options.ModelName} ({variant.Name()}, TP{r.GetValue(TpOption)} x PP{r.GetValue(PpOption)}, {backend.Scheduler.Options.Blocks} KV blocks of {backend.Scheduler.Options.BlockSize}) on {Root(options)}/v1");
            _console.Human($"dashboard: {Root(options)}/dashboard{(options.ResolveApiKey() is null ? "" : " (open it once with ?key=YOUR_KEY, or enter the key in its form)")}");
            _console.Human($"try: curl {Root(options)}/v1/chat/completions -H 'Content-Type: application/json' -d '{{\"model\": \"{options.ModelName}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}], \"max_tokens\": 16}}'");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Success;
        });
    }

    /// <param name="clusterTls">The cluster CA's certificate and key for --https when no --tls-cert is given.</param>
    private static ServingOptions ServingOptionsOf(ParseResult r, string name, IReadOnlyList<string> aliases, (string Certificate, string Key)? clusterTls) => new()
    {
        Host = r.GetRequiredValue(HostOption),
        Port = r.GetValue(PortOption),
        ModelName = r.GetValue(NameOption) ?? name,
        ModelAliases = aliases,
        ApiKeyEnv = r.GetValue(ApiKeyEnvOption),
        ApiKeyFile = r.GetValue(ApiKeyFileOption),
        TlsCertificateFile = r.GetValue(TlsCertOption) ?? (r.GetValue(HttpsOption) ? clusterTls?.Certificate : null),
        TlsKeyFile = r.GetValue(TlsKeyOption) ?? (r.GetValue(HttpsOption) ? clusterTls?.Key : null),
        MaxConcurrentRequests = r.GetValue(MaxConcurrentOption),
        RetryAfterSeconds = r.GetValue(RetryAfterOption),
    };

    private static string Root(ServingOptions options) => $"{(options.Https ? "https" : "http")}://{options.Host}:{options.Port}";

    /// <summary>The certificate the cluster CA issued to a node identity (it names the host's address, for serving); null for the operator's client identity.</summary>
    private static (string Certificate, string Key)? ClusterServerCertificate(ClusterTarget target)
    {
        if (!target.TlsIdentity.StartsWith("node-", StringComparison.Ordinal))
        {
            return null;
        }

        var files = new ClusterTlsFiles(target.TlsDirectory ?? ClusterService.CreateDefault().Store(target.Name).TlsDirectory);
        return (files.Certificate(target.TlsIdentity), files.Key(target.TlsIdentity));
    }

    private async Task<int> ServeDeploymentAsync(ParseResult r, string deployment, CancellationToken cancellationToken) => await CommandErrors.GuardAsync(_console, async () =>
    {
        var target = ClusterTargetOptions.Read(r);
        await using var control = await ClusterService.CreateDefault().ConnectAsync(target, TimeSpan.FromSeconds(30), cancellationToken);
        var grain = control.Grains.GetGrain<IDeploymentGrain>(deployment);
        var layout = await grain.GetLayoutAsync() ?? throw new ArgumentException($"deployment '{deployment}' does not exist or was never placed");
        var clusterTls = ClusterServerCertificate(target);
        if (r.GetValue(HttpsOption) && r.GetValue(TlsCertOption) is null && clusterTls is null)
        {
            throw new ArgumentException("--https needs a certificate for this host: pass --tls-identity node-ADDRESS (the cluster CA issued one to each node), or --tls-cert and --tls-key");
        }

        var options = ServingOptionsOf(r, deployment, [layout.ModelPath], clusterTls);
        options.Validate();
        var url = $"{Root(options)}/v1";
        var holder = $"the endpoint {url} (pid {Environment.ProcessId} on {Environment.MachineName})";
        await using var backend = await ClusterServingBackend.StartAsync(control.Grains, deployment, r.GetValue(MaxNumSeqsOption), holder, r.GetValue(TakeOverOption), prefixCaching: !r.GetValue(NoPrefixCacheOption));
        await using var app = ServingHost.Build(backend, options, new ControlPlaneSnapshotSource(control, target.Name, TimeProvider.System));
        await app.StartAsync(cancellationToken);
        await grain.SetEndpointAsync(url);
        _console.Human($"serving deployment {deployment} (TP{layout.Tp} x PP{layout.Pp}, {layout.KvBlocks} KV blocks of {layout.KvBlockSize}) on {url}; dashboard: {Root(options)}/dashboard");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(CancellationToken.None);
        try
        {
            await grain.SetEndpointAsync(null).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // The cluster may be going down first; status then shows no deployment anyway.
        }

        return ExitCodes.Success;
    });
}
