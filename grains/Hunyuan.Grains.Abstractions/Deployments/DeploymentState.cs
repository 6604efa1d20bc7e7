namespace Hunyuan.Grains.Deployments;

public enum DeploymentState
{
    Pending,
    Loading,
    Ready,
    Degraded,
    Failed,
}
