namespace Hunyuan.Grains.Hosting;

/// <summary>
/// A silo's name is its node name; the head's carries a marker ("head:" prefix), so placement can find the head from
/// membership alone, with no extra lookup on the request path.
/// </summary>
public static class SiloNames
{
    public const string HeadPrefix = "head:";

    public static string For(string node, bool isHead) => isHead ? HeadPrefix + node : node;

    public static bool IsHead(string siloName) => siloName.StartsWith(HeadPrefix, StringComparison.Ordinal);

    public static string NodeOf(string siloName) => IsHead(siloName) ? siloName[HeadPrefix.Length..] : siloName;
}
