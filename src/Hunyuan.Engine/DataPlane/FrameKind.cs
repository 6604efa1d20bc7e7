namespace Hunyuan.Engine.DataPlane;

/// <summary>The kinds of frame on a data-plane connection. One byte on the wire; values are part of the protocol.</summary>
public enum FrameKind : byte
{
    /// <summary>Client to rank, first frame: who is connecting, to which rank, with which token and lease.</summary>
    Hello = 1,

    /// <summary>Rank to client: the hello's verdict.</summary>
    HelloReply = 2,

    /// <summary>Driver to rank: one step's batch (token ids, positions, block tables, sampling).</summary>
    Step = 3,

    /// <summary>Rank to driver: a step's outcome (sampled ids on the last stage's first rank).</summary>
    StepResult = 4,

    /// <summary>Driver to rank: sequences whose caches can go.</summary>
    Release = 5,

    /// <summary>Driver to rank: drop every sequence and clear collectives after a step that failed mid-forward.</summary>
    Reset = 6,

    /// <summary>Rank to the next stage's rank: a step's hidden states as raw tensor bytes.</summary>
    Activation = 7,

    /// <summary>Rank to the next stage's rank: the step failed here, so do not wait for its activations.</summary>
    StageFailure = 8,

    /// <summary>Rank to a tensor-parallel peer on another node: its part of one collective, as raw tensor bytes.</summary>
    CollectivePart = 9,

    /// <summary>Rank to its tensor-parallel peers: the step failed here mid-forward, so its collectives will not complete.</summary>
    CollectiveFailure = 10,

    /// <summary>
    /// Rank to the next stage's rank over an NCCL stage link: step, dtype, shape and link generation of the activations
    /// about to follow by ncclSend, so the receiver posts ncclRecv only for a step that was sent, at a checked size.
    /// </summary>
    ActivationNotice = 11,
}
