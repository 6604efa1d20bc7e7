namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// One step failed on a rank; only that step's sequences are affected. <see cref="CollectivesAffected"/> says the failure
/// came mid-forward (collectives aborted), so the ranks need a reset before the next step.
/// </summary>
public sealed class DataPlaneStepException(string message, bool collectivesAffected) : Exception(message)
{
    public bool CollectivesAffected { get; } = collectivesAffected;
}
