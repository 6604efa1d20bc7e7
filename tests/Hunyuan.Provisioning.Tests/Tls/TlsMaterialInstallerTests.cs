using Hunyuan.Provisioning.Shells;
using Hunyuan.Provisioning.Tls;

namespace Hunyuan.Provisioning.Tests.Tls;

/// <summary>A host's TLS files, written through a real shell into a home of the test's own: 0600 each, rewritten only when they differ.</summary>
public sealed class TlsMaterialInstallerTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "hyc-tls-home-" + Guid.NewGuid().ToString("N"));

    public TlsMaterialInstallerTests() => Directory.CreateDirectory(_home);

    private LocalShell Shell => new(new Dictionary<string, string> { ["HOME"] = _home });

    private string TlsDir => Path.Combine(_home, ".hyc", "clusters", "prod", "tls");

    [Fact]
    public async Task TheFilesLandPrivateBesideTheAgentAndASecondRunWritesNothing()
    {
        var files = new HostTlsFiles("CA PEM\n", "node-10.0.0.1", "CERT PEM\n", "KEY PEM\n");

        var first = await TlsMaterialInstaller.EnsureAsync(Shell, "prod", files, default);

        Assert.Equal(["ca.pem", "node-10.0.0.1.pem", "node-10.0.0.1.key"], first);
        Assert.Equal("KEY PEM\n", File.ReadAllText(Path.Combine(TlsDir, "node-10.0.0.1.key")));
        Assert.All(Directory.GetFiles(TlsDir), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(TlsDir));

        Assert.Empty(await TlsMaterialInstaller.EnsureAsync(Shell, "prod", files, default));

        var renewed = files with { CertificatePem = "NEW CERT PEM\n" };
        Assert.Equal(["node-10.0.0.1.pem"], await TlsMaterialInstaller.EnsureAsync(Shell, "prod", renewed, default));
        Assert.NotEqual(files.Spec, renewed.Spec);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
