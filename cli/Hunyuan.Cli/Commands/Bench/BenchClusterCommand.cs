using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Cluster.Services;
using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench cluster --deployment NAME`: decode step latency through a running deployment's rank grains against the
/// same model in this process. Per step = (time for 1 + N tokens - time for 1 token) / N, so prefill cancels out.
/// </summary>
internal sealed class BenchClusterCommand : Command
{
    private static readonly Option<string> DeploymentOption = new("--deployment") { Description = "Deployment name", Required = true };
    private static readonly Option<int> TokensOption = new("--tokens") { Description = "Decode steps to time", DefaultValueFactory = _ => 64 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "The deployment's compute dtype, for the one-process run", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int> RepeatOption = new("--repeat") { Description = "Repetitions; the best is kept", DefaultValueFactory = _ => 3 };

    private readonly CliConsole _console;

    public BenchClusterCommand(CliConsole console)
        : base("cluster", "Decode step latency through a deployment's rank grains against one process")
    {
        _console = console;
        ClusterTargetOptions.AddTo(this);
        Options.Add(DeploymentOption);
        Options.Add(TokensOption);
        Options.Add(RepeatOption);
        Options.Add(DTypeOption);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        await using var control = await ClusterService.CreateDefault().ConnectAsync(ClusterTargetOptions.Read(r), ClusterTargetOptions.ConnectTimeout(r), cancellationToken);
        var client = control.Grains;
        var name = r.GetRequiredValue(DeploymentOption);
        var n = r.GetValue(TokensOption);
        var grain = client.GetGrain<IDeploymentGrain>(name);
        var status = await grain.GetStatusAsync();
        if (status is null || status.State != DeploymentState.Ready)
        {
            return _console.Fail(ExitCodes.DeployFailed, $"deployment {name} is not ready ({status?.State.ToString() ?? "absent"})");
        }

        long[] prompt = [1, 2, 3, 4, 5, 6, 7, 8];
        async Task<double> Best(Func<int, Task> generate)
        {
            await generate(1);
            var best = double.MaxValue;
            for (var i = 0; i < r.GetValue(RepeatOption); i++)
            {
                var sw = Stopwatch.StartNew();
                await generate(1);
                var one = sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                await generate(1 + n);
                best = Math.Min(best, (sw.Elapsed.TotalMilliseconds - one) / n);
            }

            return best;
        }

        var cluster = await Best(t => grain.GenerateAsync(prompt, t));
        var options = new LoadOptions
        {
            DType = ComputeDType.TryParse(r.GetValue(DTypeOption), out var dt) ? dt : TorchSharp.torch.ScalarType.BFloat16,
            Variant = ModelVariants.TryParse(status.Variant, out var v) ? v : ModelVariant.Bf16,
        };
        using var local = new LocalCausalLm(ModelLoader.Load(status.Model, options));
        var single = await Best(async t => await GreedyDecoder.RunAsync(local, prompt, t));
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"deployment {name} (TP{status.Tp} x PP{status.Pp} over {status.Ranks.Select(k => k.Node).Distinct().Count()} node(s)): {cluster:F2} ms per decode step; one process: {single:F2} ms; overhead {cluster - single:F2} ms ({cluster / single:F2}x)"));
        return ExitCodes.Success;
    }
}
