namespace Hunyuan.Engine.DataPlane;

/// <summary>What a rank's data endpoint drives: the rank's worker thread (RankWorker), or a fake in unit tests.</summary>
public interface IRankStepRunner
{
    /// <summary>
    /// Queues a step on the rank's thread in call order. <paramref name="completed"/> gets the outcome on that thread as
    /// soon as the step ends (no hand-off to another thread first: that would cost each step a wake-up); it must not
    /// block, only start sending the outcome.
    /// </summary>
    void RunStep(StepMessage message, Action<StepOutcome> completed);

    Task ReleaseAsync(long sequenceId);

    /// <summary>Drops every sequence (after a step failed mid-forward).</summary>
    Task ReleaseAllAsync();
}
