using System.Runtime.CompilerServices;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Remote;

/// <summary>Picks a host's <see cref="IProcessSupervision"/> by probing it once per shell (one connection, one probe).</summary>
public static class ProcessSupervision
{
    /// <summary>
    /// One line of facts. systemd as init shows as /run/systemd/system; a user manager answers show-environment.
    /// Linger matters: without it the user manager, and every user unit with it, stops when hyc's SSH session ends,
    /// while the setsid'd loop survives.
    /// </summary>
    public const string ProbeCommand =
        "r=no; s=no; u=no; l=no; [ \"$(id -u)\" = 0 ] && r=yes; " +
        "if command -v systemd-run >/dev/null 2>&1 && command -v systemctl >/dev/null 2>&1; then " +
        "[ -d /run/systemd/system ] && s=yes; " +
        "systemctl --user show-environment >/dev/null 2>&1 && u=yes; " +
        "[ \"$(loginctl show-user \"$(id -un)\" -p Linger 2>/dev/null)\" = Linger=yes ] && l=yes; fi; " +
        "echo \"root=$r system=$s user=$u linger=$l\"";

    private static readonly ConditionalWeakTable<IHostShell, Task<IProcessSupervision>> Probed = [];

    public static async Task<IProcessSupervision> ForAsync(IHostShell shell, CancellationToken cancellationToken = default)
    {
        // The probe is not tied to the first caller's token: a cancelled caller must not leave every later one with
        // a cancelled probe. A probe that threw (the connection broke) is forgotten, so the next call probes again.
        var probe = Probed.GetValue(shell, s => ProbeAsync(s));
        try
        {
            return await probe.WaitAsync(cancellationToken);
        }
        catch (Exception) when (probe.IsFaulted)
        {
            Probed.Remove(shell);
            throw;
        }
    }

    /// <summary>A system unit for root where systemd is init; a user unit where the user's manager lingers; else the loop.</summary>
    public static IProcessSupervision Choose(IHostShell shell, SupervisionFacts facts) =>
        facts.Root && facts.SystemSystemd ? new SystemdSupervision(shell, userUnits: false)
        : facts.UserSystemd && facts.Linger ? new SystemdSupervision(shell, userUnits: true)
        : new LoopSupervision(shell);

    /// <summary>Parses the probe's line; anything else (a failed probe) is no systemd.</summary>
    public static SupervisionFacts ParseFacts(string probeOutput)
    {
        var facts = probeOutput.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return new SupervisionFacts(facts.Contains("root=yes"), facts.Contains("system=yes"), facts.Contains("user=yes"), facts.Contains("linger=yes"));
    }

    private static async Task<IProcessSupervision> ProbeAsync(IHostShell shell)
    {
        var r = await shell.RunAsync(ProbeCommand);
        return Choose(shell, r.Ok ? ParseFacts(r.Stdout) : new SupervisionFacts(false, false, false, false));
    }
}
