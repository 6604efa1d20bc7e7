using System.Security.Cryptography;

namespace Hunyuan.Cluster.Tls;

/// <summary>A short hash of a file's bytes (null when it is absent), for process specs that must change when a certificate does.</summary>
public static class FileSpec
{
    public static string? Of(string path) =>
        File.Exists(path) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))[..16].ToLowerInvariant() : null;
}
