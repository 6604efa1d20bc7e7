namespace Hunyuan.Provisioning.Shells;

/// <summary>POSIX shell quoting: a word in single quotes, embedded single quotes closed and escaped.</summary>
public static class ShellQuote
{
    public static string Word(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=' or ',' or '@' or '%' or '+')
            ? s
            : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Word));
}
