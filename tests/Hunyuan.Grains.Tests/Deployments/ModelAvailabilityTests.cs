using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Nodes;

namespace Hunyuan.Grains.Tests.Deployments;

public sealed class ModelAvailabilityTests
{
    [Fact]
    public void NoFailureWhenEveryHostCanRead()
    {
        Assert.Null(ModelAvailability.Failure([new ModelCheck("a", "10.0.0.1", "/m", null), new ModelCheck("b", "10.0.0.2", "/m", null)]));
    }

    [Fact]
    public void TheFailureNamesOnlyTheHostsThatCannotAndTheRule()
    {
        var message = ModelAvailability.Failure(
        [
            new ModelCheck("a", "10.0.0.1", "/m", null),
            new ModelCheck("b", "10.0.0.2", "/m", "/m: no such directory"),
            new ModelCheck("c", "10.0.0.3", "/m", "/m/config.json: cannot be read (denied)"),
        ]);

        Assert.Equal(
            "the model cannot be read on 2 of 3 host(s): b (10.0.0.2): /m: no such directory; c (10.0.0.3): /m/config.json: cannot be read (denied). "
            + "The model directory must be at the same path on every host; for the docker runtime, list it under runtime.volumes in the host list",
            message);
    }
}
