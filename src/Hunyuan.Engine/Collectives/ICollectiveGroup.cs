using Hunyuan.Model.Parallel;

namespace Hunyuan.Engine.Collectives;

/// <summary>
/// The collectives of one tensor-parallel group whose members all live in this process, one member per rank thread.
/// A failed step aborts the group (every waiting member fails) and the deployment resets it before the next step.
/// </summary>
public interface ICollectiveGroup : IDisposable
{
    int Size { get; }

    ITensorParallelGroup Member(int index);

    /// <summary>Wakes every waiting member with an error (a rank failed; the step is abandoned).</summary>
    void Abort(string reason);

    /// <summary>Makes the group usable again once every member has left the abandoned step.</summary>
    void Reset();
}
