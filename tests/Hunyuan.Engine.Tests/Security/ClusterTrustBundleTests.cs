using System.Security.Cryptography.X509Certificates;
using Hunyuan.Engine.Security;
using Hunyuan.Model.Tests.TestSupport;

namespace Hunyuan.Engine.Tests.Security;

/// <summary>
/// ca.pem as a trust bundle, what a rotation rests on: a peer is accepted when its certificate chains to any CA of the
/// bundle and to none other, two CAs of the same cluster (same subject) are told apart by their keys, and a process
/// that loaded the bundle from a file follows the file when it is replaced, with no restart.
/// </summary>
public sealed class ClusterTrustBundleTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ClusterCertificateAuthority _old = ClusterCertificateAuthority.Create("prod");
    private readonly ClusterCertificateAuthority _new = ClusterCertificateAuthority.Create("prod");
    private readonly ClusterCertificateAuthority _stranger = ClusterCertificateAuthority.Create("prod");

    private string BundleFile => Path.Combine(_dir.Path, "ca.pem");

    [Fact]
    public void TwoCasOfOneClusterHaveTheSameSubjectAndStillDifferentKeys()
    {
        Assert.Equal(_old.Certificate.Subject, _new.Certificate.Subject);
        Assert.NotEqual(_old.Certificate.GetPublicKeyString(), _new.Certificate.GetPublicKeyString());
    }

    [Theory]
    [InlineData("old", true, false)]
    [InlineData("new", false, true)]
    [InlineData("old,new", true, true)]
    [InlineData("new,old", true, true)]
    public void APeerIsAcceptedWhenItsCertificateChainsToACaOfTheBundle(string bundle, bool oldAccepted, bool newAccepted)
    {
        var trust = ClusterTrustBundle.Of([.. bundle.Split(',').Select(n => n == "old" ? _old.Certificate : _new.Certificate)]);
        var validator = new ClusterCertificateValidator(trust);
        using var fromOld = Node(_old);
        using var fromNew = Node(_new);
        using var fromStranger = Node(_stranger);

        Assert.Equal(oldAccepted, validator.IsValid(fromOld, PeerRole.Client));
        Assert.Equal(oldAccepted, validator.IsValid(fromOld, PeerRole.Server));
        Assert.Equal(newAccepted, validator.IsValid(fromNew, PeerRole.Client));
        Assert.Equal(newAccepted, validator.IsValid(fromNew, PeerRole.Server));

        // Neither: another CA of the same name, as a stranger or an old backup would have.
        Assert.False(validator.IsValid(fromStranger, PeerRole.Client));
        Assert.Contains("not from this cluster's CA", validator.Problem(fromStranger, PeerRole.Client), StringComparison.Ordinal);
    }

    [Fact]
    public void NoCaOfTheBundleIsAcceptedAsAPeersIdentity()
    {
        var validator = new ClusterCertificateValidator(ClusterTrustBundle.Of(_new.Certificate, _old.Certificate));
        using var oldCa = X509CertificateLoader.LoadCertificate(_old.Certificate.RawData);
        Assert.Contains("the CA certificate itself", validator.Problem(oldCa, PeerRole.Client), StringComparison.Ordinal);
    }

    [Fact]
    public void ABundleFileIsReadInOrderAndAFileWithoutACertificateIsRefused()
    {
        File.WriteAllText(BundleFile, _new.CertificatePem + "\n" + _old.CertificatePem + "\n");
        var trust = ClusterTrustBundle.Load(BundleFile);
        Assert.Equal([_new.Certificate.Thumbprint, _old.Certificate.Thumbprint], trust.Authorities.Select(a => a.Thumbprint));

        File.WriteAllText(BundleFile, "no certificate here\n");
        var empty = Assert.Throws<ClusterTlsException>(() => ClusterTrustBundle.Load(BundleFile));
        Assert.Contains(BundleFile, empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AValidatorFollowsItsBundleFileWhenItIsReplaced()
    {
        using var fromOld = Node(_old);
        using var fromNew = Node(_new);
        Write(_old);
        var validator = new ClusterCertificateValidator(ClusterTrustBundle.Load(BundleFile));
        Assert.True(validator.IsValid(fromOld, PeerRole.Client));
        Assert.False(validator.IsValid(fromNew, PeerRole.Client));

        // A rotation's steps, each written as hyc writes it (temp file, rename), within the same moment.
        Write(_new, _old);
        Assert.True(validator.IsValid(fromOld, PeerRole.Client));
        Assert.True(validator.IsValid(fromNew, PeerRole.Client));

        Write(_new);
        Assert.False(validator.IsValid(fromOld, PeerRole.Client));
        Assert.True(validator.IsValid(fromNew, PeerRole.Client));

        // A file replaced by one of the same size (another single CA) is noticed too.
        Write(_stranger);
        Assert.False(validator.IsValid(fromNew, PeerRole.Client));
    }

    [Fact]
    public void AnUnreadableOrEmptiedFileLeavesTheLastGoodSetInForce()
    {
        using var fromNew = Node(_new);
        Write(_new);
        var validator = new ClusterCertificateValidator(ClusterTrustBundle.Load(BundleFile));

        File.WriteAllText(BundleFile, "");
        Assert.True(validator.IsValid(fromNew, PeerRole.Client));
        File.Delete(BundleFile);
        Assert.True(validator.IsValid(fromNew, PeerRole.Client));
    }

    [Fact]
    public void ALoadedIdentityAcceptsPeersOfANewCaOnceTheBundleNamesIt()
    {
        var files = new ClusterTlsFiles(_dir.Path);
        var client = _old.IssueClient("operator");
        File.WriteAllText(files.Certificate(ClusterTlsFiles.ClientIdentity), client.CertificatePem);
        File.WriteAllText(files.Key(ClusterTlsFiles.ClientIdentity), client.KeyPem);
        Write(_old);
        using var tls = ClusterTls.Load(_dir.Path, ClusterTlsFiles.ClientIdentity);
        using var newServer = Node(_new);
        Assert.False(tls.IsClusterPeer(newServer, PeerRole.Server));

        Write(_new, _old);
        Assert.True(tls.IsClusterPeer(newServer, PeerRole.Server));
    }

    public void Dispose()
    {
        _old.Dispose();
        _new.Dispose();
        _stranger.Dispose();
        _dir.Dispose();
    }

    private static X509Certificate2 Node(ClusterCertificateAuthority ca)
    {
        var issued = ca.IssueNode("n1", ["127.0.0.1"]);
        return X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);
    }

    private void Write(params ClusterCertificateAuthority[] authorities)
    {
        var temp = BundleFile + ".tmp";
        File.WriteAllText(temp, string.Concat(authorities.Select(a => a.CertificatePem + "\n")));
        File.Move(temp, BundleFile, overwrite: true);
    }
}
