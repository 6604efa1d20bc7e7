using System.CommandLine;
using Hunyuan.Engine.Planning;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;
using Hunyuan.Serving;
using Hunyuan.Serving.Backends;

namespace Hunyuan.Cli.Commands.Serve;

/// <summary>
/// `hyc serve MODEL_DIR|tiny`: the OpenAI-compatible endpoint, with continuous batching over a paged KV cache, for a
/// model loaded in this process (TP x PP ranks on threads). Runs until stopped. Exit codes: Success, InvalidArguments,
/// BadConfig, BadCheckpoint, FileError.
/// </summary>
internal sealed class ServeCommand : Command
{
    private static readonly Argument<string> ModelArgument = new("MODEL_DIR") { Description = "Model directory with hy.tiktoken, or a built-in: tiny, mini" };
    private static readonly Option<string> HostOption = new("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
    private static readonly Option<int> PortOption = new("--port") { Description = "Port", DefaultValueFactory = _ => 8000 };
    private static readonly Option<string?> NameOption = new("--name") { Description = "Served model name (default: the directory's name; its path is accepted too)" };
    private static readonly Option<string> VariantOption = new("--variant") { Description = "bf16, fp8 or int8", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "bfloat16 or float32", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int> TpOption = new("--tp") { Description = "Tensor-parallel ranks", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> PpOption = new("--pp") { Description = "Pipeline stages", DefaultValueFactory = _ => 1 };
    private static readonly Option<string?> ApiKeyEnvOption = new("--api-key-env") { Description = "Environment variable holding the API key clients must send" };
    private static readonly Option<int> MaxModelLenOption = new("--max-model-len") { Description = "Longest sequence", DefaultValueFactory = _ => 4096 };
    private static readonly Option<int> MaxNumSeqsOption = new("--max-num-seqs") { Description = "Sequences batched together", DefaultValueFactory = _ => 16 };
    private static readonly Option<string> KvMemoryOption = new("--kv-cache-memory") { Description = "KV cache memory per rank", DefaultValueFactory = _ => "512MiB" };

    private readonly CliConsole _console;

    public ServeCommand(CliConsole console)
        : base("serve", "Serve a model over the OpenAI API (chat, completions, models, tokenize, metrics)")
    {
        _console = console;
        Arguments.Add(ModelArgument);
        foreach (var o in new Option[] { HostOption, PortOption, NameOption, VariantOption, DTypeOption, TpOption, PpOption, ApiKeyEnvOption, MaxModelLenOption, MaxNumSeqsOption, KvMemoryOption })
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

        var dir = Path.GetFullPath(ModelDirectory.Resolve(r.GetRequiredValue(ModelArgument), _console));
        var options = new ServingOptions
        {
            Host = r.GetRequiredValue(HostOption),
            Port = r.GetValue(PortOption),
            ModelName = r.GetValue(NameOption) ?? Path.GetFileName(dir.TrimEnd('/')),
            ModelAliases = [dir, r.GetRequiredValue(ModelArgument)],
            ApiKeyEnv = r.GetValue(ApiKeyEnvOption),
        };
        var engine = new EngineOptions { MaxModelLen = r.GetValue(MaxModelLenOption), MaxNumSeqs = r.GetValue(MaxNumSeqsOption) };
        return await CommandErrors.GuardAsync(_console, async () =>
        {
            options.Validate();
            await using var backend = await LocalServingBackend.StartAsync(dir, new LoadOptions { DType = dtype, Variant = variant }, r.GetValue(TpOption), r.GetValue(PpOption), kvBytes, engine);
            await using var app = ServingHost.Build(backend, options);
            await app.StartAsync(cancellationToken);
            _console.Human($"serving {options.ModelName} ({variant.Name()}, TP{r.GetValue(TpOption)} x PP{r.GetValue(PpOption)}, {backend.Scheduler.Options.Blocks} KV blocks of {backend.Scheduler.Options.BlockSize}) on http://{options.Host}:{options.Port}/v1");
            _console.Human($"try: curl http://{options.Host}:{options.Port}/v1/chat/completions -H 'Content-Type: application/json' -d '{{\"model\": \"{options.ModelName}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}], \"max_tokens\": 16}}'");
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
}
