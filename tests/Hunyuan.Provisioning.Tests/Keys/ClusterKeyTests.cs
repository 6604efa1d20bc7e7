using System.Diagnostics;
using Hunyuan.Provisioning.Keys;

namespace Hunyuan.Provisioning.Tests.Keys;

public sealed class ClusterKeyTests
{
    [Fact]
    public void TheWrittenKeyReadsBackAndSshNetLoadsIt()
    {
        var key = ClusterKey.Generate("hyc@test");
        var text = key.ToOpenSsh();
        Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n", text, StringComparison.Ordinal);
        var back = ClusterKey.FromOpenSsh(text);
        Assert.Equal(key.AuthorizedKeysLine, back.AuthorizedKeysLine);
        Assert.StartsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", key.AuthorizedKeysLine, StringComparison.Ordinal);
        Assert.EndsWith(" hyc@test", key.AuthorizedKeysLine, StringComparison.Ordinal);

        using var file = key.ToPrivateKeyFile();
        Assert.Contains(file.HostKeyAlgorithms, a => a.Name == "ssh-ed25519");
        Assert.NotEqual(ClusterKey.Generate("other").AuthorizedKeysLine, key.AuthorizedKeysLine);
    }

    [Fact]
    public void OpenSshAgreesOnThePublicKeyAndFingerprint()
    {
        Assert.True(File.Exists("/usr/bin/ssh-keygen"), "ssh-keygen is missing: install openssh-client (.ci/run does)");

        var key = ClusterKey.Generate("hyc@test");
        var path = Path.Combine(Path.GetTempPath(), "hyc-key-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(path, key.ToOpenSsh());
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Equal(key.AuthorizedKeysLine.Split(' ')[1], Run("-y", "-f", path).Split(' ')[1]);
            Assert.Contains(key.Fingerprint, Run("-l", "-f", path), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Run(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        return output.Trim();
    }
}
