namespace Hunyuan.Provisioning.Remote;

/// <summary>What converging a managed process did.</summary>
public enum ProcessAction
{
    Unchanged,
    Started,
    Restarted,
}
