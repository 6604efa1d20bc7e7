using Hunyuan.Cluster.Serving;
using Hunyuan.Cluster.Tests.Fakes;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Hunyuan.Cluster.Tests.Serving;

public sealed class ClusterServingBackendTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task ARenewalThatIsNeverAnsweredDoesNotStallTheEndpointsPoll()
    {
        RandomCheckpointWriter.Write(_dir.Path, RandomModelOptions.Tiny with { DType = "float32" });
        var grain = new ScriptedDeploymentGrain(new DeploymentLayout("m", 1, _dir.Path, "bf16", "float32", 1, 1, "ep", ["n0"], [0], KvBlocks: 64))
        {
            UnansweredRenewal = 2,
        };
        var time = new FakeTimeProvider();
        var backend = await ClusterServingBackend.StartAsync(grain.Factory, "m", 4, "test", time: time);
        try
        {
            // The poll renews once a second of this clock; the second renewal hangs until the call's own bound (10 s)
            // runs out, and the poll goes on: without the bound it would wait for the client's response timeout (minutes).
            for (var i = 0; i < 400 && grain.Renewals < 4; i++)
            {
                time.Advance(TimeSpan.FromMilliseconds(500));
                await Task.Delay(10);
            }

            Assert.True(grain.Renewals >= 4, $"the poll stopped after {grain.Renewals} renewals: {backend.Readiness().Reason}");
        }
        finally
        {
            // Shutting down never waits on a call that will not be answered either.
            await backend.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public void Dispose() => _dir.Dispose();
}
