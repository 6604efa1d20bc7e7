namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// What a managed process on a host is doing: stopped, or running with the spec it was started with. <see cref="Pid"/>
/// is the supervisor's (the restart loop, or the unit's main process under systemd); <see cref="ChildPid"/> is the
/// command running under it now, 0 while it waits to restart (or for a process started before supervision).
/// </summary>
public sealed record RemoteProcessState(bool Running, int Pid, string Spec)
{
    public int ChildPid { get; init; }

    // The child pid changes with every restart while the supervised process stays the same one: two observations
    // of it are equal when they agree on what is supervised, so callers comparing states see no churn.
    public bool Equals(RemoteProcessState? other) =>
        other is not null && Running == other.Running && Pid == other.Pid && string.Equals(Spec, other.Spec, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Running, Pid, Spec);
}
