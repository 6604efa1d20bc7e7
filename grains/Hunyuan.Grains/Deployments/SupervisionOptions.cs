namespace Hunyuan.Grains.Deployments;

/// <summary>
/// How the head supervises a deployment. The defaults are the product's; tests shorten the tick and lengthen the
/// waiting bounds (so that moving a fake clock forward past a canary period does not also expire a reply in flight).
/// </summary>
public sealed class SupervisionOptions
{
    /// <summary>
    /// The key of the <see cref="TimeProvider"/> supervision reads (now, lease age, canary age, waiting bounds): the
    /// silo's own by default. A keyed service of its own, because a test's fake clock must not stop Orleans' timers.
    /// </summary>
    public const string ClockKey = "hyc.supervision";

    /// <summary>How often the head looks at membership and the ranks (a grain timer, on the silo's time).</summary>
    /// <value>1 s.</value>
    public TimeSpan TickPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How old the last passed canary may be before the head runs another (while no endpoint holds the lease).</summary>
    /// <value>30 s.</value>
    public TimeSpan CanaryPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a canary may run before it counts as failed.</summary>
    /// <value>90 s.</value>
    public TimeSpan CanaryDeadline { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a rank may take to answer a status query before it counts as unreachable.</summary>
    /// <value>2 s.</value>
    public TimeSpan StatusTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a serving lease lasts without renewal; whole seconds (grants state it in seconds).</summary>
    /// <value>10 s.</value>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        Positive(TickPeriod, nameof(TickPeriod));
        Positive(CanaryPeriod, nameof(CanaryPeriod));
        Positive(CanaryDeadline, nameof(CanaryDeadline));
        Positive(StatusTimeout, nameof(StatusTimeout));
        if (LeaseTtl < TimeSpan.FromSeconds(1) || LeaseTtl.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseTtl), LeaseTtl, "must be a whole number of seconds, at least 1");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive and finite");
        }
    }
}
