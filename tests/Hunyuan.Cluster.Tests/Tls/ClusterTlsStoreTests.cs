using System.Net;
using System.Security.Cryptography.X509Certificates;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tls;
using Hunyuan.Engine.Security;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Cluster.Tests.Tls;

/// <summary>The cluster's TLS directory on the operator's machine: what a first `up` writes and with which modes, what a second keeps, and what makes it issue again.</summary>
public sealed class ClusterTlsStoreTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDirectory _home = new();

    private ClusterStore Store => new(_home.Path, "prod");

    [Fact]
    public void AFirstUpWritesTheCaTheClientAndEachNodeAllPrivate()
    {
        using (var tls = Store.Tls())
        {
            Assert.True(tls.EnsureClient());
            Assert.True(tls.EnsureNode("10.0.0.1", ["10.0.0.1"]));
            Assert.Equal(["created the cluster CA", "issued the client certificate", "issued the node-10.0.0.1 certificate"], tls.Changes);
        }

        var dir = Store.TlsDirectory;
        Assert.Equal(Path.Combine(_home.Path, "clusters", "prod", "tls"), dir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        var names = Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["ca.key", "ca.pem", "client.key", "client.pem", "node-10.0.0.1.key", "node-10.0.0.1.pem"], names);
        Assert.All(Directory.GetFiles(dir), f => Assert.Equal(Private, File.GetUnixFileMode(f)));

        // What a client loads from there is the cluster's.
        using var client = ClusterTls.Load(dir, ClusterTlsFiles.ClientIdentity);
        Assert.Equal("CN=hyc operator of cluster prod", client.Certificate.Subject);
    }

    [Fact]
    public void ASecondUpKeepsEveryFileAsItWas()
    {
        using (var tls = Store.Tls())
        {
            tls.EnsureClient();
            tls.EnsureNode("n1", ["10.0.0.1", "n1.example"]);
        }

        var before = Snapshot();
        using (var again = Store.Tls())
        {
            Assert.False(again.EnsureClient());
            Assert.False(again.EnsureNode("n1", ["10.0.0.1", "n1.example"]));
            Assert.Empty(again.Changes);
        }

        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void ANodeThatNowNeedsAnotherAddressGetsANewCertificateFromTheSameCa()
    {
        using var tls = Store.Tls();
        tls.EnsureNode("n1", ["10.0.0.1"]);
        var ca = File.ReadAllText(new ClusterTlsFiles(Store.TlsDirectory).AuthorityCertificate);

        Assert.True(tls.EnsureNode("n1", ["10.0.0.1", "10.0.0.9"]));

        using var cert = X509Certificate2.CreateFromPem(tls.HostFiles("n1").CertificatePem);
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.9")], san.EnumerateIPAddresses());
        Assert.Equal(ca, File.ReadAllText(new ClusterTlsFiles(Store.TlsDirectory).AuthorityCertificate));
    }

    [Fact]
    public void ACertificateReplacedByAnotherCasIsIssuedAgain()
    {
        var files = new ClusterTlsFiles(Store.TlsDirectory);
        using (var tls = Store.Tls())
        {
            tls.EnsureClient();
        }

        using (var foreign = ClusterCertificateAuthority.Create("other"))
        {
            var issued = foreign.IssueClient("intruder");
            File.WriteAllText(files.Certificate(ClusterTlsFiles.ClientIdentity), issued.CertificatePem);
            File.WriteAllText(files.Key(ClusterTlsFiles.ClientIdentity), issued.KeyPem);
        }

        using var again = Store.Tls();
        Assert.True(again.EnsureClient());
        using var loaded = ClusterTls.Load(files.Directory, ClusterTlsFiles.ClientIdentity);
        Assert.Equal("CN=hyc operator of cluster prod", loaded.Certificate.Subject);
    }

    [Fact]
    public void RotationMakesANewCaAndEveryCertificateFollowsIt()
    {
        var files = new ClusterTlsFiles(Store.TlsDirectory);
        using (var tls = Store.Tls())
        {
            tls.EnsureClient();
            tls.EnsureNode("n1", ["10.0.0.1"]);
        }

        var before = Snapshot();
        using (var tls = Store.Tls())
        {
            tls.RotateAuthority();
            Assert.True(tls.EnsureClient());
            Assert.True(tls.EnsureNode("n1", ["10.0.0.1"]));
        }

        var after = Snapshot();
        Assert.All(before.Keys, name => Assert.NotEqual(before[name], after[name]));
        using var node = ClusterTls.Load(files.Directory, ClusterTlsFiles.NodeIdentity("n1"));
        Assert.NotNull(node.Certificate);
    }

    [Fact]
    public void ARotationTrustsBothCasUntilItCompletesAndMovesOnlyTheIdentitiesItIsAllowedTo()
    {
        var files = new ClusterTlsFiles(Store.TlsDirectory);
        using (var tls = Store.Tls())
        {
            tls.EnsureClient();
            tls.EnsureNode("n1", ["10.0.0.1"]);
            tls.EnsureNode("n2", ["10.0.0.2"]);
            Assert.False(tls.RotationInProgress);
        }

        var before = Snapshot();
        var oldCa = ClusterTrustBundle.Parse(before["ca.pem"]).Single();
        using (var tls = Store.Tls())
        {
            Assert.True(tls.BeginRotation());
            Assert.True(tls.RotationInProgress);
            Assert.False(tls.BeginRotation());
        }

        var bundle = ClusterTrustBundle.Parse(File.ReadAllText(files.AuthorityCertificate));
        Assert.Equal(2, bundle.Length);
        Assert.Equal(oldCa.Thumbprint, bundle[1].Thumbprint);
        var newCa = bundle[0];
        Assert.Equal(Private, File.GetUnixFileMode(files.AuthorityCertificate));

        // Held: the old CA's certificates stay while the bundle trusts it.
        var store = Store;
        store.Renewal = CertificateRenewal.None;
        using (var tls = store.Tls())
        {
            Assert.False(tls.EnsureClient());
            Assert.False(tls.EnsureNode("n1", ["10.0.0.1"]));
            Assert.False(tls.EnsureNode("n2", ["10.0.0.2"]));
            Assert.False(tls.IsFromNewestAuthority(ClusterTlsFiles.NodeIdentity("n1")));
        }

        store.Renewal = CertificateRenewal.Only(ClusterTlsFiles.NodeIdentity("n1"));
        using (var tls = store.Tls())
        {
            Assert.True(tls.EnsureNode("n1", ["10.0.0.1"]));
            Assert.False(tls.EnsureNode("n2", ["10.0.0.2"]));
            Assert.True(tls.IsFromNewestAuthority(ClusterTlsFiles.NodeIdentity("n1")));
        }

        Assert.Equal(before["node-n2.pem"], File.ReadAllText(files.Certificate(ClusterTlsFiles.NodeIdentity("n2"))));
        using (var n1 = X509Certificate2.CreateFromPem(File.ReadAllText(files.Certificate(ClusterTlsFiles.NodeIdentity("n1")))))
        {
            Assert.Equal(newCa.Subject, n1.Issuer);
            Assert.True(new ClusterCertificateValidator(newCa).IsValid(n1, PeerRole.Server));
            Assert.False(new ClusterCertificateValidator(oldCa).IsValid(n1, PeerRole.Server));
        }

        // Completed: the new CA alone; then every certificate of the old one is issued again.
        using (var tls = Store.Tls())
        {
            Assert.Equal(1, tls.CompleteRotation());
            Assert.False(tls.RotationInProgress);
            Assert.Equal(0, tls.CompleteRotation());
            Assert.True(tls.EnsureNode("n2", ["10.0.0.2"]));
            Assert.True(tls.EnsureClient());
            Assert.False(tls.EnsureNode("n1", ["10.0.0.1"]));
        }

        Assert.Equal(newCa.Thumbprint, ClusterTrustBundle.Parse(File.ReadAllText(files.AuthorityCertificate)).Single().Thumbprint);
    }

    [Fact]
    public void ACrashBetweenTheBundleAndTheKeyLeavesTheOldCaInChargeOfABundleTrustingBoth()
    {
        var files = new ClusterTlsFiles(Store.TlsDirectory);
        using (var tls = Store.Tls())
        {
            tls.EnsureClient();
        }

        var oldKey = File.ReadAllText(files.AuthorityKey);
        var oldCa = File.ReadAllText(files.AuthorityCertificate);
        using (var tls = Store.Tls())
        {
            tls.BeginRotation();
        }

        // As if the run died after ca.pem was written and before ca.key was.
        File.WriteAllText(files.AuthorityKey, oldKey);
        using (var tls = Store.Tls())
        {
            Assert.True(tls.RotationInProgress);
            Assert.False(tls.EnsureClient());
            Assert.True(tls.IsFromNewestAuthority(ClusterTlsFiles.ClientIdentity));
            Assert.Equal(1, tls.CompleteRotation());
            Assert.DoesNotContain(tls.Changes, c => c.Contains("created", StringComparison.Ordinal));
        }

        Assert.Equal(ClusterTrustBundle.Parse(oldCa).Single().Thumbprint, ClusterTrustBundle.Parse(File.ReadAllText(files.AuthorityCertificate)).Single().Thumbprint);
    }

    [Fact]
    public void PurgeRemovesTheTlsDirectory()
    {
        using (var tls = Store.Tls())
        {
            tls.EnsureClient();
        }

        var removed = Store.Remove(purge: true);

        Assert.Contains(Store.TlsDirectory, removed);
        Assert.False(Directory.Exists(Store.TlsDirectory));
    }

    public void Dispose() => _home.Dispose();

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(Store.TlsDirectory).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
}
