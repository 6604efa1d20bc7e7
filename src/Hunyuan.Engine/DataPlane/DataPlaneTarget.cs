namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// Where a driver sends steps: the deployment at one epoch, its data token, the lease the driver holds, every rank's
/// node data endpoint (by rank), the rank whose outcome carries the sampled ids, and how many pipeline stages there are.
/// </summary>
public sealed record DataPlaneTarget(string Deployment, string Epoch, string Token, long Lease, IReadOnlyList<string> RankEndpoints, int ResultRank, int Stages)
{
    public override string ToString() => $"{Deployment} (epoch {Epoch}, lease {Lease}, {RankEndpoints.Count} ranks)";
}
