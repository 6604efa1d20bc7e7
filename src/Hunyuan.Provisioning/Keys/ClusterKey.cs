using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace Hunyuan.Provisioning.Keys;

/// <summary>
/// The cluster's ed25519 key, generated in-process from a random seed: the OpenSSH private key file (unencrypted, to
/// be written 0600) that every host's mesh uses, and the authorized_keys line. SSH.NET can read but not write
/// OpenSSH keys, so the "openssh-key-v1" container is written here (format: OpenSSH's PROTOCOL.key).
/// </summary>
public sealed class ClusterKey
{
    private readonly byte[] _seed;
    private readonly byte[] _public;

    private ClusterKey(byte[] seed, string comment)
    {
        _seed = seed;
        Comment = comment;
        using var key = new ED25519Key(seed);
        _public = key.PublicKey.ToArray();
    }

    public string Comment { get; }

    public static ClusterKey Generate(string comment) => new(RandomNumberGenerator.GetBytes(32), comment);

    /// <summary>Rebuilds the key from a private key file this class wrote.</summary>
    public static ClusterKey FromOpenSsh(string text)
    {
        var body = string.Concat(text.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
        var data = Convert.FromBase64String(body);
        var r = new SshReader(data);
        if (Encoding.ASCII.GetString(r.Bytes(15)) != "openssh-key-v1\0")
        {
            throw new FormatException("not an openssh-key-v1 file");
        }

        if (r.String() != "none" || r.String() != "none")
        {
            throw new FormatException("encrypted keys are not supported here");
        }

        r.Blob();
        if (r.UInt32() != 1)
        {
            throw new FormatException("expected one key");
        }

        r.Blob();
        var section = new SshReader(r.Blob());
        if (section.UInt32() != section.UInt32())
        {
            throw new FormatException("corrupt private section");
        }

        if (section.String() != "ssh-ed25519")
        {
            throw new FormatException("not an ed25519 key");
        }

        section.Blob();
        var secret = section.Blob();
        return new ClusterKey(secret[..32], section.String());
    }

    /// <summary>The public key blob: string "ssh-ed25519", string key.</summary>
    public byte[] PublicBlob()
    {
        var w = new SshWriter();
        w.String("ssh-ed25519");
        w.Blob(_public);
        return w.ToArray();
    }

    public string AuthorizedKeysLine => $"ssh-ed25519 {Convert.ToBase64String(PublicBlob())} {Comment}";

    /// <summary>SHA256:... as ssh-keygen -l prints it.</summary>
    public string Fingerprint => "SHA256:" + Convert.ToBase64String(SHA256.HashData(PublicBlob())).TrimEnd('=');

    public string ToOpenSsh()
    {
        var check = RandomNumberGenerator.GetBytes(4);
        var section = new SshWriter();
        section.Raw(check);
        section.Raw(check);
        section.String("ssh-ed25519");
        section.Blob(_public);
        section.Blob([.. _seed, .. _public]);
        section.String(Comment);
        for (byte pad = 1; section.Length % 8 != 0; pad++)
        {
            section.Raw([pad]);
        }

        var w = new SshWriter();
        w.Raw(Encoding.ASCII.GetBytes("openssh-key-v1\0"));
        w.String("none");
        w.String("none");
        w.Blob([]);
        w.UInt32(1);
        w.Blob(PublicBlob());
        w.Blob(section.ToArray());
        var b64 = Convert.ToBase64String(w.ToArray());
        var sb = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
        for (var i = 0; i < b64.Length; i += 70)
        {
            sb.Append(b64.AsSpan(i, Math.Min(70, b64.Length - i))).Append('\n');
        }

        return sb.Append("-----END OPENSSH PRIVATE KEY-----\n").ToString();
    }

    /// <summary>The key as SSH.NET uses it for authentication.</summary>
    public PrivateKeyFile ToPrivateKeyFile() => new(new MemoryStream(Encoding.ASCII.GetBytes(ToOpenSsh())));

    private sealed class SshWriter
    {
        private readonly List<byte> _bytes = [];

        public long Length => _bytes.Count;

        public void Raw(byte[] b) => _bytes.AddRange(b);

        public void UInt32(uint v)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, v);
            _bytes.AddRange(b);
        }

        public void Blob(byte[] b)
        {
            UInt32((uint)b.Length);
            _bytes.AddRange(b);
        }

        public void String(string s) => Blob(Encoding.UTF8.GetBytes(s));

        public byte[] ToArray() => [.. _bytes];
    }

    private sealed class SshReader(byte[] data)
    {
        private int _at;

        public byte[] Bytes(int n)
        {
            var b = data.AsSpan(_at, n).ToArray();
            _at += n;
            return b;
        }

        public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4));

        public byte[] Blob() => Bytes((int)UInt32());

        public string String() => Encoding.UTF8.GetString(Blob());
    }
}
