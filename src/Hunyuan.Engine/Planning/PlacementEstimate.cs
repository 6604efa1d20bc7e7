using Hunyuan.Engine.Partitioning;

namespace Hunyuan.Engine.Planning;

/// <summary>
/// Estimated decode-step time (each sequence's time per generated token) of both expert placements, from the bytes every
/// rank reads per step and its memory bandwidth, and the placement that follows from them.
/// </summary>
/// <param name="Chosen">The placement used: the faster estimate, or the forced one.</param>
/// <param name="Rule">Why, in one line.</param>
/// <param name="Batch">Sequences per decode step the estimate assumes (--max-num-seqs).</param>
/// <param name="DistinctExpertsPerLayer">Experts touched per layer by that batch, E(1 - (1 - k/E)^b).</param>
/// <param name="BytesPerSecond">Bandwidth per GPU, or per host when <paramref name="SharedMemory"/>.</param>
/// <param name="SharedMemory">Virtual GPUs: every rank of a host reads from the same memory.</param>
/// <param name="EpMsPerToken">Expert-parallel step time; null when that layout is invalid.</param>
/// <param name="TpMsPerToken">Tensor-parallel step time; null when that layout is invalid.</param>
/// <param name="EpExpertUsPerLayer">The routed experts' share of one layer, expert-parallel (busiest rank).</param>
/// <param name="TpExpertUsPerLayer">The routed experts' share of one layer, tensor-parallel.</param>
public sealed record PlacementEstimate(
    ExpertPlacement Chosen,
    string Rule,
    int Batch,
    double DistinctExpertsPerLayer,
    double BytesPerSecond,
    bool SharedMemory,
    double? EpMsPerToken,
    double? TpMsPerToken,
    double? EpExpertUsPerLayer,
    double? TpExpertUsPerLayer);
