namespace Hunyuan.Model.Modeling;

/// <summary>Which rows get logits: all (to check against golden logits) or each segment's last (to sample).</summary>
public enum LogitsMode
{
    All,
    LastOfEachSegment,
}
