namespace Hunyuan.Model.Config;

/// <summary>A tensor the config says the checkpoint must hold. <see cref="Layer"/> is -1 for global tensors.</summary>
public sealed record TensorSpec(string Name, long[] Shape, TensorRole Role, int Layer, int Expert = -1)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Linear weights that FP8 checkpoints store in e4m3 with a per-tensor scale (router excluded).</summary>
    public bool IsQuantizableLinear => Role is TensorRole.AttentionLinear or TensorRole.SharedExpertLinear
        or TensorRole.RoutedExpertLinear or TensorRole.DenseMlpLinear;

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
