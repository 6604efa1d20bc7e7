namespace Hunyuan.Engine.Partitioning;

/// <summary>How routed experts are split over a tensor-parallel group.</summary>
public enum ExpertPlacement
{
    /// <summary>Whole experts per rank (2 of 16 at TP8); wider groups split each expert's intermediate dimension.</summary>
    ExpertParallel,

    /// <summary>Every expert on every rank, its intermediate dimension split (what vLLM 0.5.5 does).</summary>
    TensorParallel,
}
