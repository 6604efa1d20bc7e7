namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// What a driver's completed steps cost, summed: each step's time from its broadcast to its last rank's outcome, and
/// of that the ranks' own work on the step's critical path (per pipeline stage, the slowest member's time outside the
/// stage links, summed over the stages). For one sequence at a time (nothing overlaps), the difference is what the data
/// plane itself costs per step: the wire, the wake-ups of every process on the way, the driver. With micro-batches in
/// flight a step also waits behind the others, so the difference then includes that queueing.
/// </summary>
public readonly record struct DataPlaneTimings(long Steps, double StepSeconds, double RankSeconds)
{
    public static DataPlaneTimings operator -(DataPlaneTimings after, DataPlaneTimings before) =>
        new(after.Steps - before.Steps, after.StepSeconds - before.StepSeconds, after.RankSeconds - before.RankSeconds);
}
