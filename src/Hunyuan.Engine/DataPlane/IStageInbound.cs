using Hunyuan.Engine.Collectives;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The receiving end of a pipeline link on the data plane (a socket link, or the notices of an NCCL one): it adopts the
/// previous stage's connection, which the rank's own thread then reads.
/// </summary>
public interface IStageInbound : IStageLink, IDisposable
{
    /// <summary>
    /// Adopts the previous stage's connection. Completes when the connection is given up (closed, broken, replaced by a
    /// newer one, or the rank unloads); the caller then closes it.
    /// </summary>
    Task ServePeerAsync(FrameConnection connection, CancellationToken cancellationToken);

    /// <summary>Drops what no step will take (after a reset of the ranks).</summary>
    void Drain();
}
