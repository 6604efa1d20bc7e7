using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hunyuan.Cli.Commands.Provision;
using Hunyuan.Engine.Planning;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>
/// `hyc up --local`: the embedded default. Starts the agents as local processes (localhost clustering, no SSH, no
/// Redis, virtual GPUs computed on the CPU), optionally deploys a model across them, and starts the OpenAI endpoint on
/// 127.0.0.1. In the foreground Ctrl-C stops everything; with --detach it returns and `hyc down --local` stops it.
/// `hyc up HOSTS.yaml` provisions the hosts of a list over SSH (<see cref="RemoteProvisioning"/>). Exit codes: Success,
/// InvalidArguments, FileError, DeployFailed, Timeout, ProvisionFailed.
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
    private static readonly Option<int> TimeoutOption = new("--timeout") { Description = "Seconds to wait for each stage (agents joining, a deployment)", DefaultValueFactory = _ => 300 };

    private readonly CliConsole _console;

    public UpCommand(CliConsole console)
        : base("up", "Bring a cluster up: --local for this machine (the embedded default)")
    {
        _console = console;
        Arguments.Add(HostsArgument);
        foreach (var o in new Option[] { LocalOption, NodesOption, GpusOption, GpuMemoryOption, DeployOption, VariantOption, PortOption, BasePortOption, DetachOption, TimeoutOption })
        {
            Options.Add(o);
        }

        RemoteCommandOptions.AddTo(this);

        SetAction((r, ct) => ExecuteAsync(r, ct));
    }

    private async Task<int> ExecuteAsync(ParseResult r, CancellationToken cancellationToken)
    {
        if (!r.GetValue(LocalOption))
        {
            if (r.GetValue(HostsArgument) is not { } hosts)
            {
                return _console.Fail(ExitCodes.InvalidArguments, "give a host list (hyc up hosts.yaml) or --local (this machine)");
            }

            if (r.GetValue(DeployOption) is { } model)
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--deploy goes with --local; for a host list, run `hyc deploy {model} --cluster NAME` once `hyc up {hosts}` is done");
            }

            return RemoteCommandOptions.Read(r, TimeSpan.FromSeconds(r.GetValue(TimeoutOption)), out var remote) is { } problem
                ? _console.Fail(ExitCodes.InvalidArguments, problem)
                : await new RemoteProvisioning(_console).UpAsync(hosts, remote, cancellationToken);
        }

        if (r.GetValue(HostsArgument) is { } both)
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"give either --local or a host list ({both}), not both");
        }

        var nodes = r.GetValue(NodesOption);
        var gpus = r.GetValue(GpusOption);
        if (nodes < 1 || gpus < 1 || !MemoryPlanner.TryParseSize(r.GetValue(GpuMemoryOption), out var gpuMemory))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--nodes and --gpus-per-node must be at least 1 and --gpu-memory a size");
        }

        if (LocalClusterState.Read() is { } existing && existing.Processes.Any(p => LocalClusterState.IsAlive(p.Pid)))
        {
            _console.Human($"the local cluster is already up ({existing.Processes.Count(p => LocalClusterState.IsAlive(p.Pid))} processes); endpoint {existing.Endpoint}; nothing changed");
            return ExitCodes.Success;
        }

        var basePort = r.GetValue(BasePortOption);
        var siloPorts = Enumerable.Range(0, nodes).Select(i => basePort + i).ToArray();
        var gatewayPorts = siloPorts.Select(p => p + 20000).ToArray();
        var servePort = r.GetValue(PortOption);
        foreach (var port in siloPorts.Concat(gatewayPorts).Append(servePort))
        {
            if (!PortIsFree(port))
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"port {port} on 127.0.0.1 is in use (choose --base-port or --port)");
            }
        }

        var logs = Path.Combine(LocalClusterState.Directory, "logs");
        Directory.CreateDirectory(logs);
        var processes = new List<LocalProcess>();
        var timeout = TimeSpan.FromSeconds(r.GetValue(TimeoutOption));
        var ok = false;
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                var log = Path.Combine(logs, $"agent-local-{i}.log");
                List<string> args = ["agent", "--node", $"local-{i}", "--silo-port", $"{siloPorts[i]}", "--gateway-port", $"{gatewayPorts[i]}",
                    "--primary-port", $"{siloPorts[0]}", "--virtual-gpus", $"{gpus}", "--virtual-gpu-memory", r.GetRequiredValue(GpuMemoryOption)];
                if (i == 0)
                {
                    args.Add("--head");
                }

                using var p = DetachedProcess.StartHyc(args, log);
                processes.Add(new LocalProcess($"agent local-{i}", p.Id, log));
                _console.Human($"started agent local-{i} (pid {p.Id}, silo {siloPorts[i]}, gateway {gatewayPorts[i]}, {gpus} virtual GPUs; log {log})");
                if (i == 0)
                {
                    await Task.Delay(1500, cancellationToken);   // let the primary silo listen before the others join it
                }
            }

            LocalClusterState.WriteConnection(gatewayPorts);
            new LocalClusterState(processes, "", "").Write();
            var connection = new ClusterConnection("hunyuan", "hyc", gatewayPorts.Select(p => $"127.0.0.1:{p}").ToArray());
            using var host = await WaitConnectAsync(connection, timeout, cancellationToken);
            var client = host.Services.GetRequiredService<IClusterClient>();
            var sw = Stopwatch.StartNew();
            while ((await ClusterMembership.ReadAsync(client)).Count(n => n.State == "alive") < nodes)
            {
                if (sw.Elapsed > timeout)
                {
                    return _console.Fail(ExitCodes.Timeout, $"not all {nodes} agents joined within {timeout.TotalSeconds:F0} s; see {logs}");
                }

                await Task.Delay(500, cancellationToken);
            }

            _console.Human($"cluster up: {nodes} node(s) x {gpus} virtual GPU(s) in {sw.Elapsed.TotalSeconds:F1} s (simulated GPUs: computed on this CPU)");
            var endpoint = "";
            var deployment = "";
            if (r.GetValue(DeployOption) is { } model)
            {
                var dir = Path.GetFullPath(ModelDirectory.Resolve(model, _console));
                deployment = Path.GetFileName(dir.TrimEnd('/'));
                var status = await client.GetGrain<IDeploymentGrain>(deployment).DeployAsync(new DeploymentSpec(deployment, dir, r.GetRequiredValue(VariantOption), "bfloat16", null, null, "ep", MaxModelLen: 4096));
                _console.Human($"deploying {deployment}: {status.PlanText}");
                sw.Restart();
                while (status.State != DeploymentState.Ready)
                {
                    if (status.State == DeploymentState.Failed)
                    {
                        return _console.Fail(ExitCodes.DeployFailed, status.Reason);
                    }

                    if (sw.Elapsed > timeout)
                    {
                        return _console.Fail(ExitCodes.Timeout, $"{deployment} not ready after {timeout.TotalSeconds:F0} s: {status.Reason}");
                    }

                    await Task.Delay(500, cancellationToken);
                    status = await client.GetGrain<IDeploymentGrain>(deployment).GetStatusAsync() ?? status;
                }

                _console.Human($"deployment {deployment} ready: {status.Reason}");
                var serveLog = Path.Combine(logs, "serve.log");
                using var serve = DetachedProcess.StartHyc(["serve", "--deployment", deployment, "--cluster", LocalClusterState.Name, "--port", $"{servePort}"], serveLog);
                processes.Add(new LocalProcess("serve", serve.Id, serveLog));
                endpoint = $"http://127.0.0.1:{servePort}/v1";
                await WaitReadyAsync(servePort, timeout, serveLog, cancellationToken);
            }

            new LocalClusterState(processes, endpoint, deployment).Write();
            ok = true;
            PrintNext(endpoint, deployment);
        }
        finally
        {
            if (!ok)
            {
                new LocalClusterState(processes, "", "").Write();
                _console.Human("stopping what was started (`hyc down --local` would do the same)");
                DownCommand.Stop(_console);
            }
        }

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

        DownCommand.Stop(_console);
        return ExitCodes.Success;
    }

    private void PrintNext(string endpoint, string deployment)
    {
        if (endpoint.Length > 0)
        {
            _console.Human($"OpenAI endpoint: {endpoint} (model \"{deployment}\")");
            _console.Human($"  curl {endpoint}/chat/completions -H 'Content-Type: application/json' -d '{{\"model\": \"{deployment}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}], \"max_tokens\": 32}}'");
            _console.Human("  (a random tiny model writes random text: it is seeded noise, there to prove the whole path works)");
        }

        _console.Human("  hyc status --cluster local    hyc health --cluster local    hyc down --local");
    }

    private static async Task<Microsoft.Extensions.Hosting.IHost> WaitConnectAsync(ClusterConnection c, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await c.ConnectAsync(TimeSpan.FromSeconds(10), ct);
            }
            catch (ClusterUnreachableException) when (sw.Elapsed < timeout)
            {
                await Task.Delay(500, ct);
            }
        }
    }

    private static async Task WaitReadyAsync(int port, TimeSpan timeout, string log, CancellationToken ct)
    {
        if (!await EndpointReadiness.WaitAsync(new Uri($"http://127.0.0.1:{port}"), null, timeout, ct))
        {
            throw new TimeoutException($"the endpoint on port {port} was not ready within {timeout.TotalSeconds:F0} s; see {log}");
        }
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
