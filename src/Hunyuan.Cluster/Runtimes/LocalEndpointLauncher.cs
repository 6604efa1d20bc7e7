using System.Globalization;
using Hunyuan.Cluster.Services;
using Hunyuan.Cluster.State;
using Hunyuan.Provisioning.Remote;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>
/// Runs a deployment's OpenAI endpoint (`hyc serve --deployment NAME`) on this machine's 127.0.0.1, supervised like the
/// local agents. <paramref name="connectionArguments"/> tell the endpoint how to reach the cluster (--cluster NAME, or
/// --gateway ... --cluster-id ...). An API key is passed by the name of its environment variable, which the process inherits.
/// <paramref name="tlsSpec"/> (a hash of the client certificate it presents) restarts it when the certificates change.
/// </summary>
public sealed class LocalEndpointLauncher(IManagedProcesses processes, IPortProbe ports, IReadOnlyList<string> connectionArguments, string? tlsSpec = null)
{
    public const string Marker = "serve --deployment";

    public async Task<EndpointRecord> EnsureAsync(EndpointRequest request, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        var name = EndpointNames.Process(request.Deployment);
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{request.Port}/v1");
        List<string> args = ["serve", "--deployment", request.Deployment, "--port", request.Port.ToString(CultureInfo.InvariantCulture), .. connectionArguments];
        if (request.ApiKeyEnv is { } env)
        {
            args.AddRange(["--api-key-env", env]);
        }

        var spec = tlsSpec is null ? BundleCommand.Spec([.. args]) : BundleCommand.Spec([.. args, tlsSpec]);
        var current = await processes.StatusAsync(name, Marker, cancellationToken);
        if (!(current.Running && current.Spec == spec) && !current.Running && !ports.IsFree(request.Port))
        {
            throw new ClusterException(ClusterFailure.InvalidArguments, $"port {request.Port} on 127.0.0.1 is in use by another process; choose another with --serve-port (or --port for up --local)");
        }

        var (action, _) = await processes.EnsureAsync(name, Marker, args, spec, cancellationToken);
        progress.Report(new ClusterEvent(action == ProcessAction.Unchanged
            ? $"endpoint already serving {request.Deployment} on {url}"
            : $"{(action == ProcessAction.Restarted ? "restarted" : "started")} the OpenAI endpoint for {request.Deployment} on {url} (log {processes.LogOf(name)})"));
        return new EndpointRecord(request.Deployment, url, name);
    }
}
