namespace Hunyuan.Model.Modeling;

/// <summary>How a MoE layer runs the experts its router chose for a step's tokens.</summary>
internal enum ExpertDispatch
{
    /// <summary>
    /// The chosen experts' weights gathered from the stacked bank and run as two batched matmuls: no host read of the
    /// routing, so no device synchronisation, at the cost of copying the chosen weights.
    /// </summary>
    Gather,

    /// <summary>The routing read on the host, then each chosen expert run on its own tokens, reading its weights in place.</summary>
    HostRouted,
}
