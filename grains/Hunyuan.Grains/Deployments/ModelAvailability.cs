using Hunyuan.Grains.Nodes;

namespace Hunyuan.Grains.Deployments;

/// <summary>
/// Asks every host a deployment needs whether it can read the model before anything is placed, so a directory that
/// exists only on the operator's machine is one clear failure naming the hosts, not a rank failing on each.
/// </summary>
public static class ModelAvailability
{
    public const string Rule = "the model directory must be at the same path on every host; "
        + "for the docker runtime, list it under runtime.volumes in the host list";

    /// <summary>Checks the nodes at once; a node that does not answer counts as one that cannot.</summary>
    public static async Task<IReadOnlyList<ModelCheck>> CheckAsync(
        IGrainFactory grains, IReadOnlyList<NodeMembership> nodes, string path, string? builtIn)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(nodes);
        var asks = nodes.Select(n => grains.GetGrain<INodeGrain>(n.Name).CheckModelAsync(path, builtIn)).ToArray();
        try
        {
            await Task.WhenAll(asks);
        }
        catch (Exception)
        {
            // Inspected per node below.
        }

        return nodes.Select((n, i) => asks[i].IsCompletedSuccessfully
                ? asks[i].Result
                : new ModelCheck(n.Name, n.Address ?? "?", path, $"did not answer the model check: {asks[i].Exception?.GetBaseException().Message ?? "cancelled"}"))
            .ToArray();
    }

    /// <summary>The failure naming every host that cannot read the model, or null when all can.</summary>
    public static string? Failure(IReadOnlyList<ModelCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var bad = checks.Where(c => !c.Ok).ToArray();
        if (bad.Length == 0)
        {
            return null;
        }

        var hosts = string.Join("; ", bad.Select(c => $"{c.Node} ({c.Address}): {c.Problem}"));
        return $"the model cannot be read on {bad.Length} of {checks.Count} host(s): {hosts}. {char.ToUpperInvariant(Rule[0])}{Rule[1..]}";
    }
}
