using System.CommandLine;
using System.Globalization;
using Hunyuan.Cli.Commands.Cluster;
using Hunyuan.Cli.Commands.Provision;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.Services;
using Hunyuan.Engine.Planning;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>
/// `hyc up --local`: the embedded default, agents as supervised local processes (localhost clustering, no SSH, no
/// Redis, virtual GPUs computed on the CPU), optionally a deployment and the OpenAI endpoint on 127.0.0.1; in the
/// foreground Ctrl-C stops everything, with --detach `hyc down --local` does. `hyc up HOSTS.yaml` provisions the hosts
/// of a list over SSH. Either way `up` converges: what is missing or dead is started again, the rest left alone.
/// Exit codes: Success, InvalidArguments, FileError, DeployFailed, Timeout, ProvisionFailed.
/// </summary>
internal sealed class UpCommand : Command
{
    private static readonly Argument<string?> HostsArgument = new("HOSTS_YAML") { Description = "Host list to provision over SSH (see hosts.example.yaml)", Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<bool> LocalOption = new("--local") { Description = "Agents on this machine: no SSH, no Redis, virtual GPUs" };
    private static readonly Option<int> NodesOption = new("--nodes") { Description = "With --local: local agents (nodes)", DefaultValueFactory = _ => 2 };
    private static readonly Option<int> GpusOption = new("--gpus-per-node") { Description = "With --local: virtual GPUs per node", DefaultValueFactory = _ => 4 };
    private static readonly Option<string> GpuMemoryOption = new("--gpu-memory") { Description = "With --local: memory budget per virtual GPU", DefaultValueFactory = _ => "4GiB" };
    private static readonly Option<string?> DeployOption = new("--deploy") { Description = "With --local: deploy this model once up: tiny, mini or a directory" };
    private static readonly Option<string> VariantOption = new("--variant") { Description = "With --deploy: bf16, fp8 or int8", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<int> PortOption = new("--port") { Description = "With --local: OpenAI endpoint port on 127.0.0.1", DefaultValueFactory = _ => 8000 };
    private static readonly Option<int> BasePortOption = new("--base-port") { Description = "With --local: first silo port; gateways use base + 20000", DefaultValueFactory = _ => 11111 };
    private static readonly Option<bool> DetachOption = new("--detach") { Description = "With --local: return once up; stop with `hyc down --local`" };
    private static readonly Option<bool> RotateCertsOption = new("--rotate-certs") { Description = "A new cluster CA and new certificates for the operator and every node, rolled out one agent at a time (each after the one before rejoined); at the end the old CA is trusted nowhere. An interrupted rotation is finished by the next `up`" };
    private static readonly Option<int> TimeoutOption = new("--timeout") { Description = "Seconds to wait for each stage (agents joining, a deployment)", DefaultValueFactory = _ => 300 };

    private readonly CliConsole _console;

    public UpCommand(CliConsole console)
        : base("up", "Bring a cluster up: --local for this machine (the embedded default), or a host list over SSH")
    {
        _console = console;
        Arguments.Add(HostsArgument);
        foreach (var o in new Option[] { LocalOption, NodesOption, GpusOption, GpuMemoryOption, DeployOption, VariantOption, PortOption, BasePortOption, DetachOption, RotateCertsOption, TimeoutOption })
        {
            Options.Add(o);
        }

        RemoteCommandOptions.AddTo(this);
        SetAction((r, ct) => CommandErrors.GuardAsync(_console, () => ExecuteAsync(r, ct)));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        var hosts = r.GetValue(HostsArgument);
        if (r.GetValue(LocalOption) && hosts is not null)
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"give either --local or a host list ({hosts}), not both");
        }

        if (!r.GetValue(LocalOption) && hosts is null)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "give a host list (hyc up hosts.yaml) or --local (this machine)");
        }

        var service = ClusterService.CreateDefault();
        var progress = new ConsoleProgress(_console);
        var timeout = TimeSpan.FromSeconds(r.GetValue(TimeoutOption));
        if (hosts is not null)
        {
            if (r.GetValue(DeployOption) is { } model)
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--deploy goes with --local; for a host list, run `hyc deploy {model} --cluster NAME` once `hyc up {hosts}` is done");
            }

            if (RemoteCommandOptions.Read(r, out var ssh) is { } problem)
            {
                return _console.Fail(ExitCodes.InvalidArguments, problem);
            }

            var runtime = ClusterRuntimes.FromHostList(hosts, ssh);
            var report = await service.UpAsync(runtime, new UpOptions { JoinTimeout = timeout, RotateCertificates = r.GetValue(RotateCertsOption) }, progress, cancellationToken);
            return ProvisionRendering.Up(_console, r.GetValue(RemoteCommandOptions.JsonOption), hosts, report, runtime.Inventory.Source);
        }

        if (!MemoryPlanner.TryParseSize(r.GetValue(GpuMemoryOption), out var gpuMemory))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--gpu-memory: '{r.GetValue(GpuMemoryOption)}' is not a size");
        }

        var local = new LocalClusterOptions
        {
            Nodes = r.GetValue(NodesOption),
            GpusPerNode = r.GetValue(GpusOption),
            GpuMemoryBytes = gpuMemory,
            BasePort = r.GetValue(BasePortOption),
            StartTimeout = timeout,
        };
        local.Validate();
        DeployRequest? deploy = null;
        if (r.GetValue(DeployOption) is { } deployModel)
        {
            deploy = new DeployRequest { Model = deployModel, Variant = r.GetRequiredValue(VariantOption), MaxModelLen = 4096, Timeout = timeout, ServePort = r.GetValue(PortOption), KeepReady = true };
        }

        var localRuntime = ClusterRuntimes.Local(local);
        var up = await progress.WithRankBarsAsync(() => service.UpAsync(localRuntime, new UpOptions { JoinTimeout = timeout, Deploy = deploy, RotateCertificates = r.GetValue(RotateCertsOption) }, progress, cancellationToken));
        if (r.GetValue(RemoteCommandOptions.JsonOption))
        {
            _console.Json(ProvisionRendering.Output(up, "up"), CliJsonContext.Default.ProvisionOutput);
        }

        if (!up.Ok)
        {
            foreach (var h in up.Hosts.Where(h => h.State != "alive"))
            {
                _console.Human($"  {h.Report.Node}: {h.Report.Error ?? $"agent {h.Report.Agent} but did not join within {timeout.TotalSeconds:F0} s (see {LocalLogs()})"}");
            }

            return up.Deployment is { } failed ? DeployCommand.Finish(_console, failed) : _console.Fail(ExitCodes.Timeout, $"the local cluster did not come up; see {LocalLogs()}");
        }

        _console.Human(up.Changed
            ? string.Create(CultureInfo.InvariantCulture, $"cluster up: {up.Alive} node(s) x {local.GpusPerNode} virtual GPU(s) (simulated GPUs: computed on this CPU)")
            : $"the local cluster is already up: {up.Alive} node(s) alive; nothing changed");
        PrintNext(up.Endpoint, up.Deployment?.Status.Name);
        if (r.GetValue(DetachOption))
        {
            return ExitCodes.Success;
        }

        _console.Human("running in the foreground; Ctrl-C stops the cluster");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await service.DownAsync(localRuntime, purge: false, progress, CancellationToken.None);
        return ExitCodes.Success;
    }

    private static string LocalLogs() => Path.Combine(ClusterService.CreateDefault().Store("local").LogsDirectory);

    private void PrintNext(string? endpoint, string? deployment)
    {
        if (endpoint is not null)
        {
            _console.Human($"OpenAI endpoint: {endpoint} (model \"{deployment}\")");
            _console.Human($"  curl {endpoint}/chat/completions -H 'Content-Type: application/json' -d '{{\"model\": \"{deployment}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}], \"max_tokens\": 32}}'");
            _console.Human("  (a random tiny model writes random text: it is seeded noise, there to prove the whole path works)");
            _console.Human($"Dashboard: {(endpoint.EndsWith("/v1", StringComparison.Ordinal) ? endpoint[..^3] : endpoint)}/dashboard");
        }

        _console.Human("  hyc status --cluster local    hyc health --cluster local    hyc down --local");
    }
}
