using System.Globalization;
using Hunyuan.Provisioning.Remote;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Remote;

public sealed class RestartBackoffTests
{
    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(2, 5, 4)]
    [InlineData(8, 59, 16)]
    [InlineData(16, 1, 30)]
    [InlineData(30, 1, 30)]
    [InlineData(30, 60, 1)]
    [InlineData(4, 3600, 1)]
    public void DoublesToTheCapAndResetsAfterAHealthyRun(int previous, int ran, int expected) =>
        Assert.Equal(expected, RestartBackoff.NextSeconds(previous, ran));

    [Fact]
    public void CrashingAtOnceWaitsOneTwoFourUpToThirtySeconds()
    {
        var waits = new List<int>();
        var wait = 0;
        for (var i = 0; i < 7; i++)
        {
            wait = RestartBackoff.NextSeconds(wait, 0);
            waits.Add(wait);
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], waits);
    }

    [Fact]
    public async Task TheLoopsShellFunctionGivesTheSameAnswers()
    {
        int[] previous = [0, 1, 2, 4, 8, 15, 16, 30];
        int[] ran = [0, 1, 59, 60, 61, 1000];
        var cases = previous.SelectMany(p => ran.Select(r => (p, r))).ToList();
        var script = RestartBackoff.ShellFunction + "\n" + string.Join("\n", cases.Select(c => string.Create(CultureInfo.InvariantCulture, $"backoff {c.p} {c.r}")));

        var r = await new LocalShell().RunAsync(script);

        Assert.True(r.Ok, r.Stderr);
        Assert.Equal(cases.Select(c => RestartBackoff.NextSeconds(c.p, c.r).ToString(CultureInfo.InvariantCulture)), r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
