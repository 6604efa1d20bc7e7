using Hunyuan.Provisioning.Keys;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Tests.Keys;

/// <summary>
/// The scripts that edit authorized_keys and known_hosts, run by a real /bin/sh in a home of the test's own: nothing
/// already in the file is lost, whether its last line lacks a newline or grep fails halfway.
/// </summary>
public sealed class LineFileScriptsTests : IDisposable
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHycClusterKeyForTheTest hyc-cluster-prod";
    private const string Theirs = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUsersOwnKey me@laptop";
    private const string Other = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQOther other@desk";
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-linefile-" + Guid.NewGuid().ToString("N"));

    public LineFileScriptsTests() => Directory.CreateDirectory(Path.Combine(_home, ".ssh"));

    private string File_ => Path.Combine(_home, ".ssh", "authorized_keys");

    private LocalShell Shell(string? path = null) => new(new Dictionary<string, string>
    {
        ["HOME"] = _home,
        ["PATH"] = path ?? Environment.GetEnvironmentVariable("PATH")!,
    });

    [Fact]
    public async Task AnAppendAfterALastLineWithoutANewlineKeepsBothKeys()
    {
        File.WriteAllText(File_, Theirs);
        var r = await Shell().RunAsync(LineFileScripts.AppendOnce(".ssh/authorized_keys", Key));
        Assert.True(r.Ok, r.Stderr);
        Assert.Equal("added", r.Stdout.Trim());
        Assert.Equal($"{Theirs}\n{Key}\n", File.ReadAllText(File_));

        var again = await Shell().RunAsync(LineFileScripts.AppendOnce(".ssh/authorized_keys", Key));
        Assert.Equal("present", again.Stdout.Trim());
        Assert.Equal($"{Theirs}\n{Key}\n", File.ReadAllText(File_));
    }

    [Fact]
    public async Task AnAppendToAnEmptyOrWellEndedFileAddsNoBlankLine()
    {
        File.WriteAllText(File_, "");
        await Shell().RunAsync(LineFileScripts.AppendOnce(".ssh/authorized_keys", Theirs));
        await Shell().RunAsync(LineFileScripts.AppendOnce(".ssh/authorized_keys", Key));
        Assert.Equal($"{Theirs}\n{Key}\n", File.ReadAllText(File_));
    }

    [Fact]
    public async Task RemovalKeepsTheOtherLinesAndThePrivateMode()
    {
        File.WriteAllText(File_, $"{Theirs}\n{Key}\n{Other}");
        File.SetUnixFileMode(File_, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var r = await Shell().RunAsync(LineFileScripts.Remove(".ssh/authorized_keys", Key, "removed it"));
        Assert.True(r.Ok, r.Stderr);
        Assert.Equal("removed it", r.Stdout.Trim());
        Assert.Equal($"{Theirs}\n{Other}\n", File.ReadAllText(File_));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(File_));
        Assert.False(File.Exists(File_ + ".hyc-tmp"));

        var again = await Shell().RunAsync(LineFileScripts.Remove(".ssh/authorized_keys", Key, "removed it"));
        Assert.True(again.Ok, again.Stderr);
        Assert.Equal("", again.Stdout.Trim());
    }

    [Fact]
    public async Task RemovingTheOnlyLineLeavesAnEmptyFile()
    {
        // grep -v exits 1 when it prints nothing: that is success here, not a failure to keep the file for.
        File.WriteAllText(File_, Key + "\n");
        var r = await Shell().RunAsync(LineFileScripts.Remove(".ssh/authorized_keys", Key, "removed it"));
        Assert.True(r.Ok, r.Stderr);
        Assert.Equal("", File.ReadAllText(File_));
    }

    [Fact]
    public async Task AGrepThatFailsHalfwayLeavesTheFileAsItWas()
    {
        // A grep that finds the key, then fails while copying the rest (as a read error would): exit 2 after half the output.
        var bin = Path.Combine(_home, "bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "grep"), "#!/bin/sh\ncase \"$1\" in -v*) head -n 1 \"$3\"; echo 'grep: read error' >&2; exit 2;; *) exec /bin/grep \"$@\";; esac\n");
        File.SetUnixFileMode(Path.Combine(bin, "grep"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var before = $"{Theirs}\n{Key}\n{Other}\n";
        File.WriteAllText(File_, before);

        var r = await Shell(bin + ":" + Environment.GetEnvironmentVariable("PATH")).RunAsync(LineFileScripts.Remove(".ssh/authorized_keys", Key, "removed it"));
        Assert.False(r.Ok, "the failure is reported");
        Assert.Contains("unchanged", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(File_));
        Assert.False(File.Exists(File_ + ".hyc-tmp"));
    }

    [Fact]
    public async Task AnUnreadableFileIsAnErrorNotAnAppend()
    {
        Directory.CreateDirectory(File_);
        var r = await Shell().RunAsync(LineFileScripts.AppendOnce(".ssh/authorized_keys", Key));
        Assert.False(r.Ok);
        Assert.Contains("cannot read", r.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
