using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Keys;

/// <summary>
/// POSIX sh scripts that edit a file of one entry per line under the login's home (authorized_keys, known_hosts)
/// without ever losing what is there: an append first ends an unterminated last line (else the new key would be glued
/// to it and both lost), and a removal writes the rest to a private temporary file and renames it over the original
/// only when grep succeeded, so a failed read never truncates the file. The line must be public material (a public key,
/// a host key line): it is on the command line.
/// </summary>
public static class LineFileScripts
{
    /// <summary>Adds <paramref name="line"/> unless it is there; prints "added" or "present"; fails if the file cannot be read.</summary>
    public static string AppendOnce(string relativePath, string line)
    {
        var q = ShellQuote.Word(line);
        return $"f=\"$HOME/{relativePath}\"; grep -qxF {q} \"$f\"; rc=$?; "
            + "if [ $rc = 0 ]; then echo present; "
            + $"elif [ $rc = 1 ]; then {{ if [ -s \"$f\" ] && [ -n \"$(tail -c 1 \"$f\")\" ]; then echo; fi; printf '%s\\n' {q}; }} >> \"$f\" && echo added; "
            + "else echo \"cannot read $f\" >&2; exit 1; fi";
    }

    /// <summary>
    /// Removes every copy of <paramref name="line"/>; prints <paramref name="done"/> when it removed any. grep -v exits 1
    /// when nothing is left (the line was the only one), which is a success here; 2 (an error) keeps the file as it was.
    /// </summary>
    public static string Remove(string relativePath, string line, string done)
    {
        var q = ShellQuote.Word(line);
        return $"f=\"$HOME/{relativePath}\"; if [ -f \"$f\" ] && grep -qxF {q} \"$f\"; then "
            + $"( umask 077 && {{ grep -vxF {q} \"$f\"; [ $? -le 1 ]; }} > \"$f.hyc-tmp\" ) && mv -f \"$f.hyc-tmp\" \"$f\" && echo {ShellQuote.Word(done)} "
            + "|| { rm -f \"$f.hyc-tmp\"; echo \"could not rewrite $f; it is unchanged\" >&2; exit 1; }; fi";
    }
}
