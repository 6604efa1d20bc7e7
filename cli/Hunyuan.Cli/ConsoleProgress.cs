using Hunyuan.Cluster.Services;

namespace Hunyuan.Cli;

/// <summary>
/// Renders the application layer's progress as lines on stderr, as it happens: "[host] step" for a host's steps,
/// "warning: ..." for warnings. Synchronous (unlike Progress&lt;T&gt;), so lines keep their order; hosts report from
/// several threads, so each line is written whole.
/// </summary>
internal sealed class ConsoleProgress(CliConsole console) : IProgress<ClusterEvent>
{
    private readonly Lock _lock = new();

    public void Report(ClusterEvent value)
    {
        var line = value.Kind switch
        {
            ClusterEventKind.Host => $"[{value.Host}] {value.Message}",
            ClusterEventKind.Warning => $"warning: {value.Message}",
            ClusterEventKind.Rank => $"  {value.Message}",
            _ => value.Message,
        };
        lock (_lock)
        {
            console.Human(line);
        }
    }
}
