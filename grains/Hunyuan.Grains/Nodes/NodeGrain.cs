using Hunyuan.Grains.Placement;
using Hunyuan.Model.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Grains.Nodes;

/// <summary>Keeps the latest report of its node; lives on that node's silo, so it dies with the node.</summary>
[NodePinnedPlacement]
internal sealed partial class NodeGrain(ILocalSiloDetails silo, ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    private NodeReport? _report;

    public Task ReportAsync(NodeReport report)
    {
        _report = report;
        return Task.CompletedTask;
    }

    public Task<NodeReport?> GetReportAsync() => Task.FromResult(_report);

    public async Task<ModelCheck> CheckModelAsync(string path, string? builtIn)
    {
        var node = this.GetPrimaryKeyString();
        var address = _report?.Address ?? silo.SiloAddress.Endpoint.Address.ToString();

        // Off the grain scheduler: making a built-in writes its weights, seconds of CPU and disk for mini.
        var (resolved, problem) = await Task.Run(() => Check(node, path, builtIn));
        if (problem is not null)
        {
            LogModelUnavailable(logger, node, problem);
        }

        return new ModelCheck(node, address, resolved, problem);
    }

    private (string Resolved, string? Problem) Check(string node, string path, string? builtIn)
    {
        try
        {
            var resolved = ModelSource.Resolve(path, builtIn, BuiltInModels.DefaultHome, line => LogBuiltIn(logger, node, line));
            return (resolved, ModelSource.Problem(resolved));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (path, $"cannot make the built-in '{builtIn}' model under {BuiltInModels.DefaultHome}: {ex.Message}");
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Node {Node}: {Line}")]
    private static partial void LogBuiltIn(ILogger logger, string node, string line);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Node {Node}: cannot load the model: {Problem}")]
    private static partial void LogModelUnavailable(ILogger logger, string node, string problem);
}
