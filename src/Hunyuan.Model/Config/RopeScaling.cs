namespace Hunyuan.Model.Config;

/// <summary>
/// The <c>rope_scaling</c> block. Only NTK-alpha ("dynamic" with an alpha) is used by the released models; its
/// base is fixed, whatever the sequence length (hunyuan-spec §2.4).
/// </summary>
public sealed record RopeScaling(string Type, double Factor, double Alpha);
