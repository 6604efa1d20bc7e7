namespace Hunyuan.Model.Config;

/// <summary>What a tensor is for, which decides how it is quantized and partitioned.</summary>
public enum TensorRole
{
    Embedding,
    LmHead,
    Norm,
    AttentionLinear,
    Router,
    SharedExpertLinear,
    RoutedExpertLinear,
    DenseMlpLinear,
}
