using System.Security.Cryptography;

namespace Hunyuan.Cluster.State;

/// <summary>
/// The endpoint key `deploy` generates for a cluster from a host list when none is given: 256 random bits, kept 0600 at
/// ~/.hyc/clusters/NAME/api-key and reused by later deploys, so clients keep working.
/// </summary>
public static class ApiKeyFile
{
    public const string FileName = "api-key";

    /// <summary>The key in <paramref name="path"/>, made first when there is none; Created says which.</summary>
    public static (string Key, bool Created) Ensure(string path)
    {
        if (Read(path) is { } existing)
        {
            return (existing, false);
        }

        var key = "sk-hyc-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        PrivateFile.Write(path, key + "\n");
        return (key, true);
    }

    /// <summary>The key in the file, or null when there is no file or it is empty.</summary>
    public static string? Read(string path) =>
        File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } key ? key : null;
}
