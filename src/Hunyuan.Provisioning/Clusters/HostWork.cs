using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Clusters;

/// <summary>One host during `up` or `down`: its connection, what was found, what changed, and its error if any.</summary>
internal sealed class HostWork(HostEntry entry, bool isHead)
{
    private readonly List<string> _changes = [];

    public HostEntry Entry { get; } = entry;

    public bool IsHead { get; } = isHead;

    public HostConnection? Connection { get; set; }

    public IHostShell? AgentShell { get; set; }

    /// <summary>Where the agent process runs: the agent's shell, as the listed user inside a container.</summary>
    public IHostShell? ProcessShell { get; set; }

    /// <summary>This run's hold on the host's lock (<see cref="HostLock"/>), released by <see cref="ReleaseAsync"/>.</summary>
    public IAsyncDisposable? Lock { get; set; }

    public bool Reachable { get; set; }

    public string AdvertisedAddress { get; set; } = entry.Address;

    public string Gpus { get; set; } = "";

    public string Agent { get; set; } = "not started";

    public byte[]? ContainerKeyBlob { get; set; }

    public string? Error { get; set; }

    public bool Ok => Error is null;

    public void Change(string what)
    {
        lock (_changes)
        {
            _changes.Add(what);
        }
    }

    /// <summary>Releases the lock, then closes the connection.</summary>
    public async Task ReleaseAsync()
    {
        if (Lock is not null)
        {
            await Lock.DisposeAsync();
            Lock = null;
        }

        Connection?.Dispose();
    }

    public HostOutcome Outcome() => new(Entry.Address, Entry.Line, IsHead ? "head" : "worker", Entry.Address, AdvertisedAddress, Reachable,
        Connection?.HostKeyFingerprint, Gpus, Agent, [.. _changes], Error);

    /// <summary>
    /// Runs one step of this host; whatever goes wrong (but cancellation) becomes this host's error, reported through
    /// <paramref name="progress"/>, and the other hosts carry on.
    /// </summary>
    public async Task StepAsync(Func<Task> step, Action<string, string> progress)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var expected = e is ProvisionException or InvalidOperationException || SshHostConnector.IsConnectFailure(e);
            var message = expected ? e.Message : $"{e.GetType().Name}: {e.Message}";
            Error ??= message;
            progress(Entry.Address, "FAILED: " + message);
        }
    }
}
