using Hunyuan.Cluster.Logs;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Tests.Logs;

public sealed class ClusterLogReaderTests
{
    [Fact]
    public async Task CancellingAFollowWhileAReadIsUnderWayEndsItQuietly()
    {
        var shell = new StallingLogShell("first\n", answered: 3);
        var seen = new List<string>();
        using var stop = new CancellationTokenSource();
        var host = new LogHost("n1", shell, null, _ => true);
        var follow = new ClusterLogReader("lab", TimeProvider.System).ReadAsync(
            [host], new LogQuery(Node: "n1", Follow: true) { PollInterval = TimeSpan.FromMilliseconds(10) }, l => seen.Add(l.Text), (_, _) => { }, stop.Token);

        await shell.Stalled.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await follow.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["first"], seen);
    }

    [Fact]
    public async Task CancellingAOneShotReadStillThrows()
    {
        var shell = new StallingLogShell("first\n", answered: 2);
        using var stop = new CancellationTokenSource();
        var read = new ClusterLogReader("lab", TimeProvider.System).ReadAsync(
            [new LogHost("n1", shell, null, _ => true)], new LogQuery(Node: "n1"), _ => { }, (_, _) => { }, stop.Token);

        await shell.Stalled.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>
    /// One log file holding <c>content</c>: the first <c>answered</c> commands (the file list, its size, its bytes) are
    /// answered, every later one waits for cancellation (a slow SSH round trip caught by Ctrl-C), and
    /// <see cref="Stalled"/> completes when the first such wait begins.
    /// </summary>
    private sealed class StallingLogShell(string content, int answered) : IHostShell
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _commands;

        public Task Stalled => _stalled.Task;

        public string Host => "fake";

        public async Task<ShellResult> RunAsync(string command, CancellationToken cancellationToken = default)
        {
            if (++_commands > answered)
            {
                _stalled.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return command switch
            {
                _ when command.StartsWith("for f in", StringComparison.Ordinal) => new ShellResult(0, "agent.log\n", ""),
                _ when command.StartsWith("wc -c", StringComparison.Ordinal) => new ShellResult(0, $"{content.Length}\n", ""),
                _ when command.StartsWith("tail -c +", StringComparison.Ordinal) => new ShellResult(0, content, ""),
                _ => throw new InvalidOperationException($"unexpected command: {command}"),
            };
        }

        public Task WriteFileAsync(string relativePath, byte[] content, UnixFileMode mode, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task UploadFileAsync(string localPath, string relativePath, UnixFileMode mode, Action<long>? bytesWritten = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IRunningCommand> StartAsync(string command, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
