namespace Hunyuan.Grains.Ranks;

/// <summary>A rank's lifecycle: pending -> loading (percent) -> ready | failed (reason).</summary>
public enum RankState
{
    Pending,
    Loading,
    Ready,
    Failed,
}
