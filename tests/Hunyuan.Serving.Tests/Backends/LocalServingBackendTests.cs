using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using Hunyuan.Serving.Backends;
using TorchSharp;

namespace Hunyuan.Serving.Tests.Backends;

public sealed class LocalServingBackendTests
{
    [Fact]
    public async Task ReadinessFollowsTheScheduler()
    {
        using var dir = new TempDirectory();
        RandomCheckpointWriter.Write(dir.File("tiny"), RandomModelOptions.Tiny with { DType = "float32" });
        await using var backend = await LocalServingBackend.StartAsync(dir.File("tiny"), LoadOptions.Of(torch.ScalarType.Float32), 1, 1, 1L << 20,
            new EngineOptions { MaxModelLen = 64, MaxNumSeqs = 2, BlockSize = 8 });
        var (ready, reason) = backend.Readiness();
        Assert.True(ready, reason);
        Assert.Contains("KV blocks free", reason, StringComparison.Ordinal);

        // The scheduler stops (as it does when the backend shuts down): not ready any more, and the reason says so.
        await backend.Scheduler.DisposeAsync();
        (ready, reason) = backend.Readiness();
        Assert.False(ready);
        Assert.Contains("scheduler is not running", reason, StringComparison.Ordinal);
    }
}
