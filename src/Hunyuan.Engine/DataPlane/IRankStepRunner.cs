namespace Hunyuan.Engine.DataPlane;

/// <summary>What a rank's data endpoint drives: the rank's worker thread (RankWorker), or a fake in unit tests.</summary>
public interface IRankStepRunner
{
    /// <summary>Queues a step on the rank's thread in call order; the outcome never throws.</summary>
    Task<StepOutcome> RunStepAsync(StepMessage message);

    Task ReleaseAsync(long sequenceId);

    /// <summary>Drops every sequence (after a step failed mid-forward).</summary>
    Task ReleaseAllAsync();
}
