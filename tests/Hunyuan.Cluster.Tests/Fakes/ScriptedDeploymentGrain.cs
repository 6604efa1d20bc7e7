using System.Reflection;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;

namespace Hunyuan.Cluster.Tests.Fakes;

/// <summary>
/// A deployment grain as an endpoint sees it over the wire: it grants the lease with a layout, answers renewals and
/// status reads, and can leave one renewal unanswered (a call lost with a gateway that died), counting every call.
/// <see cref="Factory"/> is a grain factory that hands it out.
/// </summary>
public sealed class ScriptedDeploymentGrain(DeploymentLayout layout) : IDeploymentGrain
{
    private int _renewals;

    /// <summary>The renewal (1-based) that never gets an answer; 0 for none.</summary>
    public int UnansweredRenewal { get; init; }

    public int Renewals => Volatile.Read(ref _renewals);

    public IGrainFactory Factory => GrainFactoryProxy.For(this);

    public Task<LeaseGrant> AcquireLeaseAsync(string holder, bool takeOver) => Task.FromResult(new LeaseGrant(true, 1, layout, holder, "granted", 10));

    public Task<bool> RenewLeaseAsync(long lease, CanaryReport? canary) =>
        Interlocked.Increment(ref _renewals) == UnansweredRenewal ? new TaskCompletionSource<bool>().Task : Task.FromResult(true);

    public Task<DeploymentStatus?> GetStatusAsync() => Task.FromResult<DeploymentStatus?>(
        new(layout.Deployment, layout.ModelPath, layout.Variant, layout.Tp, layout.Pp, DeploymentState.Loading, "loading", [], null, null, null, null, 1, "TP1 x PP1"));

    public Task ReleaseLeaseAsync(long lease) => Task.CompletedTask;

    public Task SetEndpointAsync(string? url) => Task.CompletedTask;

    public Task<DeploymentStatus> DeployAsync(DeploymentSpec spec) => throw new NotSupportedException();

    public Task<long[]> GenerateAsync(long[] prompt, int maxTokens) => throw new NotSupportedException();

    public Task<TimedGeneration> GenerateTimedAsync(long[] prompt, int maxTokens) => throw new NotSupportedException();

    public Task<DeploymentLayout?> GetLayoutAsync() => Task.FromResult<DeploymentLayout?>(layout);

    public Task RemoveAsync() => throw new NotSupportedException();

    /// <summary>An <see cref="IGrainFactory"/> whose every GetGrain&lt;IDeploymentGrain&gt; is the scripted grain; anything else is not supported.</summary>
    public class GrainFactoryProxy : DispatchProxy
    {
        private ScriptedDeploymentGrain? _grain;

        public static IGrainFactory For(ScriptedDeploymentGrain grain)
        {
            var factory = Create<IGrainFactory, GrainFactoryProxy>();
            ((GrainFactoryProxy)(object)factory)._grain = grain;
            return factory;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod is { Name: nameof(IGrainFactory.GetGrain), IsGenericMethod: true } m && m.GetGenericArguments()[0] == typeof(IDeploymentGrain)
                ? _grain
                : throw new NotSupportedException($"the scripted cluster has no {targetMethod?.Name}");
    }
}
