using Hunyuan.Grains.Deployments;

namespace Hunyuan.Grains.Tests.Deployments;

public sealed class SupervisionOptionsTests
{
    [Fact]
    public void DefaultsAreTheDocumentedOnesAndPassValidation()
    {
        var o = new SupervisionOptions();

        Assert.Equal((1, 30, 90, 2, 10), ((int)o.TickPeriod.TotalSeconds, (int)o.CanaryPeriod.TotalSeconds, (int)o.CanaryDeadline.TotalSeconds, (int)o.StatusTimeout.TotalSeconds, (int)o.LeaseTtl.TotalSeconds));
        Assert.Null(Record.Exception(o.Validate));
    }

    [Theory]
    [InlineData(nameof(SupervisionOptions.TickPeriod), 0)]
    [InlineData(nameof(SupervisionOptions.CanaryPeriod), -1)]
    [InlineData(nameof(SupervisionOptions.CanaryDeadline), 0)]
    [InlineData(nameof(SupervisionOptions.StatusTimeout), -1000)]
    [InlineData(nameof(SupervisionOptions.LeaseTtl), 1500)]
    [InlineData(nameof(SupervisionOptions.LeaseTtl), 0)]
    public void ABadValueIsRefusedByName(string name, int milliseconds)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        var o = name switch
        {
            nameof(SupervisionOptions.TickPeriod) => new SupervisionOptions { TickPeriod = value },
            nameof(SupervisionOptions.CanaryPeriod) => new SupervisionOptions { CanaryPeriod = value },
            nameof(SupervisionOptions.CanaryDeadline) => new SupervisionOptions { CanaryDeadline = value },
            nameof(SupervisionOptions.StatusTimeout) => new SupervisionOptions { StatusTimeout = value },
            _ => new SupervisionOptions { LeaseTtl = value },
        };

        var e = Assert.Throws<ArgumentOutOfRangeException>(o.Validate);
        Assert.Equal(name, e.ParamName);
    }
}
