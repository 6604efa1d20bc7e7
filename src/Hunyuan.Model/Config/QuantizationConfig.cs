namespace Hunyuan.Model.Config;

/// <summary>The <c>quantization_config</c> block of an FP8 checkpoint (<c>quant_method: fp8</c>).</summary>
public sealed record QuantizationConfig(string QuantMethod, string ActivationScheme);
