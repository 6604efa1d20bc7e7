namespace Hunyuan.Grains.Deployments;

/// <summary>
/// The grain storage that keeps deployments' desired state: Redis (the cluster's, through the agents' ACL user) for a
/// cluster of Redis membership, so a restarted head finds its deployments again; memory for localhost clustering
/// (`up --local`), where the head's restart forgets them.
/// </summary>
public static class DeploymentStorage
{
    public const string Name = "deployments";
}
