using Hunyuan.Provisioning.Inventory;

namespace Hunyuan.Provisioning.Preflight;

/// <summary>All checks of one host; a failure names the host, the line it was declared on and the check.</summary>
public sealed record PreflightReport(HostEntry Host, IReadOnlyList<PreflightCheck> Checks)
{
    public bool Ok => Checks.All(c => c.Ok);

    public IEnumerable<string> Failures(string source) =>
        Checks.Where(c => !c.Ok).Select(c => $"{Host.Address} ({source} line {Host.Line}): {c.Name}: {c.Detail}");
}
