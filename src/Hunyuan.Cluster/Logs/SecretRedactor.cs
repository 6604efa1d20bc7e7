namespace Hunyuan.Cluster.Logs;

/// <summary>
/// Replaces every known secret (the Redis password, API keys, the SSH password) in text bound for a debug bundle. The
/// secrets themselves are only held here, in memory; short strings are not treated as secrets, so common words survive.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mark = "[redacted]";

    private readonly List<string> _secrets = [];

    public int Count => _secrets.Count;

    public void Add(string? secret)
    {
        var s = secret?.Trim();
        if (s is { Length: >= 8 } && !_secrets.Contains(s, StringComparer.Ordinal))
        {
            _secrets.Add(s);
        }
    }

    public string Redact(string text)
    {
        foreach (var s in _secrets.OrderByDescending(s => s.Length))
        {
            text = text.Replace(s, Mark, StringComparison.Ordinal);
        }

        return text;
    }
}
