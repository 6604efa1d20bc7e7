using Hunyuan.Engine.DataPlane;
using Microsoft.Extensions.Hosting;

namespace Hunyuan.Grains.Hosting;

/// <summary>Runs the node's rank data-plane listener for the agent's lifetime (ranks register with it as they load).</summary>
internal sealed class DataPlaneService(RankDataServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        server.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await server.DisposeAsync();
}
