using System.Diagnostics;
using System.Globalization;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.TestSupport;

public sealed class PrivateHycHomeTests : IDisposable
{
    private readonly TempDirectory _root = new();

    [Fact]
    public void OnlyTheHomesOfEndedProcessesAreRemoved()
    {
        using var ended = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        ended.WaitForExit();
        var endedHome = Home(ended.Id, "models/mini/config.json");
        var liveHome = Home(Environment.ProcessId, "models/mini/config.json");
        var unknown = Directory.CreateDirectory(Path.Combine(_root.Path, "hyc-tests-home-0123456789abcdef")).FullName;

        PrivateHycHome.RemoveHomesOfEndedRuns(_root.Path);

        Assert.False(Directory.Exists(endedHome));
        Assert.True(File.Exists(Path.Combine(liveHome, "models/mini/config.json")));
        Assert.True(Directory.Exists(unknown), "a name without an owner's pid is left alone");
    }

    public void Dispose() => _root.Dispose();

    private string Home(int pid, string file)
    {
        var home = Path.Combine(_root.Path, string.Create(CultureInfo.InvariantCulture, $"hyc-tests-home-{pid}-{Guid.NewGuid():N}"));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(home, file))!);
        File.WriteAllText(Path.Combine(home, file), "{}");
        return home;
    }
}
