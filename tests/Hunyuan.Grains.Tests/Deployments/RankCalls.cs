using System.Collections.Concurrent;
using Hunyuan.Grains.Ranks;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// The rank calls the head's deployment grains make, as an Orleans call filter on the silos sees them
/// (<see cref="RankCallFilter"/>): every load with the layout it carried, and a hold that parks a deployment's rank
/// status queries (the first thing a supervision tick waits for) until the test lets them go.
/// </summary>
public sealed class RankCalls
{
    private readonly ConcurrentQueue<(string Deployment, int Rank, string? Epoch)> _loads = new();
    private volatile Hold? _hold;

    /// <summary>Every LoadAsync sent to a rank of <paramref name="deployment"/>, in order, by the epoch it carried.</summary>
    public IReadOnlyList<(int Rank, string? Epoch)> LoadsOf(string deployment) =>
        _loads.Where(l => l.Deployment == deployment).Select(l => (l.Rank, l.Epoch)).ToArray();

    /// <summary>From now on, parks every status query to a rank of <paramref name="deployment"/> until the hold is released.</summary>
    public Hold HoldStatusQueries(string deployment)
    {
        var hold = new Hold(this, deployment);
        _hold = hold;
        return hold;
    }

    internal void Loaded(string deployment, int rank, DeploymentLayout? layout) => _loads.Enqueue((deployment, rank, layout?.Epoch));

    internal Task StatusQueryAsync(string deployment)
    {
        if (_hold is not { } hold || hold.Deployment != deployment)
        {
            return Task.CompletedTask;
        }

        hold.Reached.TrySetResult();
        return hold.Released.Task;
    }

    public sealed class Hold(RankCalls owner, string deployment) : IDisposable
    {
        public string Deployment { get; } = deployment;

        /// <summary>Completes when a status query has been parked: a tick is then waiting in the middle of its work.</summary>
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Lets the parked queries (and later ones) go.</summary>
        public void Dispose()
        {
            Interlocked.CompareExchange(ref owner._hold, null, this);
            Released.TrySetResult();
        }
    }
}
