namespace Hunyuan.Model.Variants;

/// <summary>How an e4m3 weight meets its (e4m3-quantized) activation.</summary>
public enum Fp8MatmulPath
{
    /// <summary>scaled_mm on CUDA tensors (falling back to upcast if the GPU refuses it), upcast on the CPU.</summary>
    Auto,

    /// <summary>Upcast the weight to the compute dtype and matmul: works everywhere, the checked reference.</summary>
    Upcast,

    /// <summary>torch._scaled_mm through TorchScript, wherever the tensors are (on the CPU a slow reference).</summary>
    ScaledMm,
}
