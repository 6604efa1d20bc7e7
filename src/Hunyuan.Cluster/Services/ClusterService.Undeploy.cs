using Hunyuan.Cluster.Monitoring;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.State;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Services;

/// <summary>
/// `undeploy`: the endpoint stops first (it is a client of the deployment and holds its serving lease), then the
/// deployment's ranks unload and the cluster forgets it, stored spec included, so a restarted head does not bring it
/// back; the state file drops its endpoint last. Nothing is stopped before the cluster answers, so an unreachable
/// cluster leaves everything as it was.
/// </summary>
public sealed partial class ClusterService
{
    private static readonly TimeSpan GatewayEndpointStopGrace = TimeSpan.FromSeconds(10);

    public async Task<UndeployReport> UndeployAsync(ClusterTarget target, string name, TimeSpan connectTimeout, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var (connection, state, store) = Resolve(target);
        await using var control = await ConnectAsync(connection, connectTimeout, cancellationToken);
        var names = await control.DeploymentNamesAsync(cancellationToken);
        var known = names.Contains(name, StringComparer.Ordinal);
        var recorded = state?.Endpoints.Any(e => e.Deployment == name) ?? false;
        if (!known && !recorded)
        {
            throw new ClusterException(ClusterFailure.InvalidArguments,
                $"cluster '{target.Name}' has no deployment '{name}'; its deployments: {(names.Count == 0 ? "none" : string.Join(", ", names.Order(StringComparer.Ordinal)))}");
        }

        var endpointStopped = state is null
            ? await GatewayEndpointProcesses(store).StopAsync(EndpointNames.Process(name), LocalEndpointLauncher.Marker, GatewayEndpointStopGrace, cancellationToken)
            : await _runtimeOf(state).StopEndpointAsync(store, state, name, cancellationToken);
        if (endpointStopped)
        {
            progress.Report(new ClusterEvent($"stopped the endpoint {name}"));
        }

        if (known)
        {
            await control.RemoveAsync(name, cancellationToken);
            progress.Report(new ClusterEvent($"deployment {name} removed: its ranks unloaded, its spec forgotten"));
        }

        if (state is not null && store.Read() is { } current && current.Endpoints.Any(e => e.Deployment == name))
        {
            var updated = current with { Endpoints = [.. current.Endpoints.Where(e => e.Deployment != name)], UpdatedAt = time.GetUtcNow() };
            store.Write(updated);
            PrometheusConfig.Write(store, updated);
        }

        return new UndeployReport(name, known, endpointStopped);
    }

    // A cluster reached by --gateway has no runtime here: its endpoints run on this machine, under the target's name.
    private static ShellManagedProcesses GatewayEndpointProcesses(ClusterStore store) =>
        new(new LocalShell(), store.Name, HycInvocation.OfThisProcess(), GatewayEndpointStopGrace);
}
