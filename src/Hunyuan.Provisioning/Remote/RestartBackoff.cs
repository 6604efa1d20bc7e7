using System.Globalization;

namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// How long the restart loop waits before restarting a process that ended: 1 s, doubling to 30 s while it keeps
/// ending, back to 1 s once it had run a minute (a crash after a long healthy run is not a crash loop). The loop is
/// shell; <see cref="ShellFunction"/> is this rule written there, and the tests hold the two to the same answers.
/// </summary>
public static class RestartBackoff
{
    public const int FirstSeconds = 1;

    public const int CapSeconds = 30;

    public const int HealthyRunSeconds = 60;

    /// <summary>The wait after an exit; <paramref name="previousSeconds"/> is the last wait, 0 before the first.</summary>
    public static int NextSeconds(int previousSeconds, int ranSeconds) =>
        previousSeconds <= 0 || ranSeconds >= HealthyRunSeconds ? FirstSeconds : Math.Min(previousSeconds * 2, CapSeconds);

    /// <summary>`backoff PREVIOUS RAN` prints <see cref="NextSeconds"/>.</summary>
    public static string ShellFunction { get; } = string.Create(
        CultureInfo.InvariantCulture,
        $"backoff() {{ if [ \"$1\" -le 0 ] || [ \"$2\" -ge {HealthyRunSeconds} ]; then echo {FirstSeconds}; elif [ $(($1 * 2)) -ge {CapSeconds} ]; then echo {CapSeconds}; else echo $(($1 * 2)); fi; }}");
}
