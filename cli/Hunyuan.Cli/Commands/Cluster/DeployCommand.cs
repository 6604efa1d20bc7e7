using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Cli.Commands.Plan;
using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>
/// `hyc deploy MODEL_DIR --variant V`: plan against the live inventory, load the ranks, wait until ready (the canary
/// passed). A deployment that cannot be placed fails at once with the reason. Exit codes: Success, InvalidArguments,
/// DeployFailed, Timeout, ClusterUnreachable.
/// </summary>
internal sealed class DeployCommand : ClusterCommandBase
{
    private static readonly Argument<string> ModelArgument = new("MODEL_DIR") { Description = "Model directory (the same path on every node), or a built-in: tiny, mini" };
    private static readonly Option<string> VariantOption = new("--variant") { Description = "bf16, fp8 or int8", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<string?> NameOption = new("--name") { Description = "Deployment name (default: the model directory's name)" };
    private static readonly Option<int?> TpOption = new("--tp") { Description = "Tensor-parallel size (default: a node's GPUs)" };
    private static readonly Option<int?> PpOption = new("--pp") { Description = "Pipeline stages (default: the nodes)" };
    private static readonly Option<string> ExpertsOption = new("--experts") { Description = "ep or tp", DefaultValueFactory = _ => "ep" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype: bfloat16 or float32", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<bool> Fp8ExactOption = new("--fp8-exact") { Description = "fp8 checking mode (exact dequantization, nothing else quantized)" };
    private static readonly Option<bool> NoWaitOption = new("--no-wait") { Description = "Return after placing; do not wait for ready" };
    private static readonly Option<int> TimeoutOption = new("--timeout") { Description = "Seconds to wait for ready", DefaultValueFactory = _ => 1800 };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print the final deployment status as JSON to stdout" };
    private static readonly Option<int> ServePortOption = new("--serve-port") { Description = "Start the OpenAI endpoint for it once ready: on the head node for a cluster made by `up HOSTS.yaml`, else on this machine's 127.0.0.1", DefaultValueFactory = _ => 8000 };
    private static readonly Option<bool> NoServeOption = new("--no-serve") { Description = "Do not start the endpoint" };
    private static readonly Option<string?> ApiKeyEnvOption = new("--api-key-env") { Description = "Environment variable holding the API key the endpoint will require (handed to the head in a 0600 file, never on a command line)" };

    public DeployCommand(CliConsole console)
        : base("deploy", "Deploy a model on the cluster and wait until it is ready", console)
    {
        Arguments.Add(ModelArgument);
        foreach (var o in new Option[] { VariantOption, NameOption, TpOption, PpOption, ExpertsOption, DTypeOption, Fp8ExactOption, NoWaitOption, TimeoutOption, JsonOption, ServePortOption, NoServeOption, ApiKeyEnvOption })
        {
            Options.Add(o);
        }
    }

    protected override async Task<int> ExecuteAsync(ParseResult r, IClusterClient client, CancellationToken cancellationToken)
    {
        if (!ModelVariants.TryParse(r.GetValue(VariantOption), out var variant))
        {
            return Console.Fail(ExitCodes.InvalidArguments, $"--variant: '{r.GetValue(VariantOption)}' is not bf16, fp8 or int8");
        }

        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return Console.Fail(ExitCodes.InvalidArguments, $"--dtype: '{r.GetValue(DTypeOption)}' is not bfloat16 or float32");
        }

        if (!PlanCommand.TryParseExperts(r.GetValue(ExpertsOption), out var experts))
        {
            return Console.Fail(ExitCodes.InvalidArguments, $"--experts: '{r.GetValue(ExpertsOption)}' is not ep or tp");
        }

        if (r.GetValue(ApiKeyEnvOption) is { } keyEnv && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(keyEnv)))
        {
            return Console.Fail(ExitCodes.InvalidArguments, $"--api-key-env {keyEnv}: that environment variable is not set");
        }

        var modelDir = Path.GetFullPath(ModelDirectory.Resolve(r.GetRequiredValue(ModelArgument), Console));
        var name = r.GetValue(NameOption) ?? Path.GetFileName(modelDir.TrimEnd('/'));
        var spec = new DeploymentSpec(name, modelDir, variant.Name(), ComputeDType.Name(dtype), r.GetValue(TpOption), r.GetValue(PpOption),
            experts == Engine.Partitioning.ExpertPlacement.TensorParallel ? "tp" : "ep", Fp8ExactDequantize: r.GetValue(Fp8ExactOption));
        var grain = client.GetGrain<IDeploymentGrain>(name);
        var status = await grain.DeployAsync(spec);
        Console.Human($"deployment {name}: {status.PlanText}");
        if (status.State == DeploymentState.Failed)
        {
            Emit(r, status);
            return Console.Fail(ExitCodes.DeployFailed, status.Reason);
        }

        if (r.GetValue(NoWaitOption))
        {
            Emit(r, status);
            return ExitCodes.Success;
        }

        var sw = Stopwatch.StartNew();
        var timeout = TimeSpan.FromSeconds(r.GetValue(TimeoutOption));
        var last = "";
        while (true)
        {
            status = await grain.GetStatusAsync() ?? status;
            var line = string.Join("  ", status.Ranks.Select(k => string.Create(CultureInfo.InvariantCulture, $"r{k.Rank}@{k.Node}:{(k.State == Hunyuan.Grains.Ranks.RankState.Loading ? $"{k.LoadPercent:F0}%" : k.State.ToString().ToLowerInvariant())}")));
            if (line != last)
            {
                Console.Human($"  [{sw.Elapsed.TotalSeconds,5:F1}s] {status.State.ToString().ToLowerInvariant()}: {line}");
                last = line;
            }

            if (status.State == DeploymentState.Ready)
            {
                Console.Human($"deployment {name} ready in {sw.Elapsed.TotalSeconds:F1} s: {status.Reason}");
                var code = ExitCodes.Success;
                if (!r.GetValue(NoServeOption))
                {
                    var provisioned = r.GetValue(ClusterLocator.GatewayOption) is not { Length: > 0 } && r.GetValue(ClusterLocator.ClusterOption) is { } cluster
                        ? Provision.RemoteEndpoint.ProvisionedState(cluster)
                        : null;
                    if (provisioned is not null)
                    {
                        code = await Provision.RemoteEndpoint.EnsureAsync(Console, provisioned, name, r.GetValue(ServePortOption), r.GetValue(ApiKeyEnvOption), cancellationToken);
                    }
                    else
                    {
                        await Hunyuan.Cli.Commands.Local.EndpointLauncher.EnsureAsync(Console, r, name, r.GetValue(ServePortOption), r.GetValue(ApiKeyEnvOption), cancellationToken);
                    }
                }

                Emit(r, status);
                return code;
            }

            if (status.State == DeploymentState.Failed)
            {
                Emit(r, status);
                return Console.Fail(ExitCodes.DeployFailed, status.Reason);
            }

            if (sw.Elapsed > timeout)
            {
                Emit(r, status);
                return Console.Fail(ExitCodes.Timeout, $"not ready after {timeout.TotalSeconds:F0} s: {status.Reason}");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    private void Emit(ParseResult r, DeploymentStatus s)
    {
        if (!r.GetValue(JsonOption))
        {
            return;
        }

        Console.Json(DeploymentView.From(s), CliJsonContext.Default.DeploymentView);
    }
}
