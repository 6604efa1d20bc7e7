namespace Hunyuan.Cluster.Services;

/// <summary>What undeploy did: whether the cluster knew the deployment (and now does not), and whether an endpoint for it was running and stopped.</summary>
public sealed record UndeployReport(string Deployment, bool Removed, bool EndpointStopped);
