using Hunyuan.Model.Checkpoints;

namespace Hunyuan.Cluster.State;

/// <summary>
/// Where hyc keeps its files on this machine: $HYC_HOME, else ~/.hyc, read each time. An in-process caller (a test, a
/// host embedding hyc) can run against another home for one async flow with <see cref="Use"/>, without touching the
/// process's environment that concurrent callers share.
/// </summary>
public static class HycHome
{
    private static readonly AsyncLocal<string?> Scoped = new();

    public static string Path => Scoped.Value ?? BuiltInModels.DefaultHome;

    /// <summary>Makes <paramref name="home"/> this async flow's home until the result is disposed.</summary>
    public static IDisposable Use(string home)
    {
        var previous = Scoped.Value;
        Scoped.Value = home;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}
