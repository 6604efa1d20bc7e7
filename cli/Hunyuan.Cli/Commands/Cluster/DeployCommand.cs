using System.CommandLine;
using Hunyuan.Cli.Commands.Plan;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.Status;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>
/// `hyc deploy MODEL_DIR --variant V`: plan against the live inventory, load the ranks, wait until ready (the canary
/// passed), then start the OpenAI endpoint where the cluster's runtime serves (the head for a cluster from a host list,
/// this machine otherwise). A deployment that cannot be placed fails at once with the reason. Exit codes: Success,
/// InvalidArguments, DeployFailed, Timeout, ClusterUnreachable.
/// </summary>
internal sealed class DeployCommand : Command
{
    private static readonly Argument<string> ModelArgument = new("MODEL_DIR") { Description = "Model directory (the same path on every node), or a built-in: tiny, mini (every node makes its own copy)" };
    private static readonly Option<string> VariantOption = new("--variant") { Description = "bf16, fp8 or int8", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<string?> NameOption = new("--name") { Description = "Deployment name (default: the model directory's name)" };
    private static readonly Option<int?> TpOption = new("--tp") { Description = "Tensor-parallel size (default: a node's GPUs)" };
    private static readonly Option<int?> PpOption = new("--pp") { Description = "Pipeline stages (default: the nodes)" };
    private static readonly Option<string> ExpertsOption = new("--experts") { Description = "ep, tp or auto (the faster by the bytes each GPU reads and its bandwidth)", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype: bfloat16 or float32", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<bool> Fp8ExactOption = new("--fp8-exact") { Description = "fp8 checking mode (exact dequantization, nothing else quantized)" };
    private static readonly Option<bool> NoWaitOption = new("--no-wait") { Description = "Return after placing; do not wait for ready" };
    private static readonly Option<int> TimeoutOption = new("--timeout") { Description = "Seconds to wait for ready", DefaultValueFactory = _ => 1800 };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print the final deployment status as JSON to stdout" };
    private static readonly Option<int> ServePortOption = new("--serve-port") { Description = "Start the OpenAI endpoint for it once ready: on the head node for a cluster made by `up HOSTS.yaml`, else on this machine's 127.0.0.1", DefaultValueFactory = _ => 8000 };
    private static readonly Option<bool> NoServeOption = new("--no-serve") { Description = "Do not start the endpoint" };
    private static readonly Option<bool> HttpsOption = new("--https") { Description = "Serve the endpoint over HTTPS with the certificate the cluster CA issued to the head (clusters from a host list)" };
    private static readonly Option<string?> ApiKeyEnvOption = new("--api-key-env") { Description = "Environment variable holding the API key the endpoint will require (handed to the head in a 0600 file, never on a command line)" };

    private readonly CliConsole _console;

    public DeployCommand(CliConsole console)
        : base("deploy", "Deploy a model on the cluster and wait until it is ready")
    {
        _console = console;
        Arguments.Add(ModelArgument);
        ClusterTargetOptions.AddTo(this);
        foreach (var o in new Option[] { VariantOption, NameOption, TpOption, PpOption, ExpertsOption, DTypeOption, Fp8ExactOption, NoWaitOption, TimeoutOption, JsonOption, ServePortOption, NoServeOption, ApiKeyEnvOption, HttpsOption })
        {
            Options.Add(o);
        }

        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    /// <summary>Reads deploy's options into a request; null with the problem when they make no sense.</summary>
    private static DeployRequest? ReadRequest(ParseResult r, string model, out string? problem)
    {
        problem = null;
        if (!ModelVariants.TryParse(r.GetValue(VariantOption), out var variant))
        {
            problem = $"--variant: '{r.GetValue(VariantOption)}' is not bf16, fp8 or int8";
        }
        else if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            problem = $"--dtype: '{r.GetValue(DTypeOption)}' is not bfloat16 or float32";
        }
        else if (r.GetValue(ExpertsOption) is not "auto" && !PlanCommand.TryParseExperts(r.GetValue(ExpertsOption), out _))
        {
            problem = $"--experts: '{r.GetValue(ExpertsOption)}' is not ep, tp or auto";
        }
        else
        {
            return new DeployRequest
            {
                Model = model,
                Name = r.GetValue(NameOption),
                Variant = variant.Name(),
                DType = ComputeDType.Name(dtype),
                Tp = r.GetValue(TpOption),
                Pp = r.GetValue(PpOption),
                Experts = PlanCommand.TryParseExperts(r.GetValue(ExpertsOption), out var experts) ? (experts == Engine.Partitioning.ExpertPlacement.TensorParallel ? "tp" : "ep") : "auto",
                Fp8ExactDequantize = r.GetValue(Fp8ExactOption),
                Wait = !r.GetValue(NoWaitOption),
                Timeout = TimeSpan.FromSeconds(r.GetValue(TimeoutOption)),
                ConnectTimeout = ClusterTargetOptions.ConnectTimeout(r),
                Serve = !r.GetValue(NoServeOption),
                ServePort = r.GetValue(ServePortOption),
                ApiKeyEnv = r.GetValue(ApiKeyEnvOption),
                Https = r.GetValue(HttpsOption),
            };
        }

        return null;
    }

    /// <summary>The exit code of a finished deploy, with its reason on stderr when it did not end ready.</summary>
    public static int Finish(CliConsole console, DeployReport report) => report.Outcome switch
    {
        DeployOutcome.Ready or DeployOutcome.Placed => ExitCodes.Success,
        DeployOutcome.Failed => console.Fail(ExitCodes.DeployFailed, report.Status.Reason),
        _ => console.Fail(ExitCodes.Timeout, $"not ready after {report.Elapsed.TotalSeconds:F0} s: {report.Status.Reason}"),
    };

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        if (ReadRequest(r, r.GetRequiredValue(ModelArgument), out var problem) is not { } request)
        {
            return _console.Fail(ExitCodes.InvalidArguments, problem!);
        }

        var progress = new ConsoleProgress(_console);
        var report = await progress.WithRankBarsAsync(() => ClusterService.CreateDefault().DeployAsync(ClusterTargetOptions.Read(r), request, progress, cancellationToken));
        if (r.GetValue(JsonOption))
        {
            _console.Json(DeploymentView.From(report.Status), CliJsonContext.Default.DeploymentView);
        }

        return Finish(_console, report);
    }
}
