using Hunyuan.Cli.Commands.Bench;

namespace Hunyuan.Cli.Tests.Commands.Bench;

public sealed class MedianTests
{
    [Fact]
    public void AnOddCountGivesItsMiddleValueWhateverTheOrder() => Assert.Equal(3.0, Median.Of([9, 3, -1, 4, 2]));

    [Fact]
    public void AnEvenCountGivesTheMeanOfItsTwoMiddleValues() => Assert.Equal(2.5, Median.Of([4, 1, 2, 3]));

    [Fact]
    public void NothingGivesNaNRatherThanAnError() => Assert.True(double.IsNaN(Median.Of([])));
}
