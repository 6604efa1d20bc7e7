using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Shells;

/// <summary>
/// Who the agent runs as inside a docker runtime's container: the listed user's uid and gid read from its host
/// (root stays root), and `docker exec` with that user and a HOME of its own; the container's root shell is unchanged.
/// </summary>
public sealed class ContainerUserTests
{
    [Theory]
    [InlineData("1000\n1000\n", 1000, 1000)]
    [InlineData("1001\n100\n", 1001, 100)]
    public async Task TheListedUsersIdsAreReadFromItsHost(string output, int uid, int gid)
    {
        var host = new ScriptedShell(_ => new ShellResult(0, output, ""));

        var user = await ContainerUser.OfAsync(host);

        Assert.Equal(new ContainerUser(uid, gid), user);
        Assert.Equal(["id -u && id -g"], host.Commands);
    }

    [Fact]
    public async Task RootStaysRoot() =>
        Assert.Null(await ContainerUser.OfAsync(new ScriptedShell(_ => new ShellResult(0, "0\n0\n", ""))));

    [Theory]
    [InlineData(0, "")]
    [InlineData(0, "uid=1000\n")]
    [InlineData(1, "1000\n1000\n")]
    public async Task AnAnswerThatIsNoUidAndGidIsAnError(int exit, string output)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ContainerUser.OfAsync(new ScriptedShell(_ => new ShellResult(exit, output, "boom"))));
        Assert.Contains("uid and gid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AContainerShellWithAUserExecsAsItWithItsOwnHome()
    {
        var host = new ScriptedShell(_ => new ShellResult(0, "", ""));
        var asUser = new ContainerShell(host, "hyc_agent", new ContainerUser(1000, 1001));
        var asRoot = new ContainerShell(host, "hyc_agent");

        await asUser.RunAsync("id -u");
        await asRoot.RunAsync("id -u");

        Assert.Equal("docker exec --user 1000:1001 -e HOME=/hyc-home/home hyc_agent sh -c 'id -u'", host.Commands[0]);
        Assert.Equal("docker exec hyc_agent sh -c 'id -u'", host.Commands[1]);
        Assert.Contains("uid 1000", asUser.Host, StringComparison.Ordinal);
    }

    private sealed class ScriptedShell(Func<string, ShellResult> answer) : IHostShell
    {
        public List<string> Commands { get; } = [];

        public string Host => "h1";

        public Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default)
        {
            Commands.Add(command);
            return Task.FromResult(answer(command));
        }

        public Task<IRunningCommand> StartAsync(string command, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task WriteFileAsync(string relativePath, byte[] content, UnixFileMode mode, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task UploadFileAsync(string localPath, string relativePath, UnixFileMode mode, Action<long>? bytesWritten = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
