namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// The n choices of one request. The first prefills the prompt; the others wait until its full blocks are computed and
/// then reference them (the partial last block, if any, each computes for itself), so the prompt is prefilled once.
/// </summary>
internal sealed class ChoiceGroup(int choices)
{
    /// <summary>Choices not finished yet; the request's reader completes when none is left.</summary>
    public int Open { get; set; } = choices;

    /// <summary>The first choice computed the prompt (or finished without): the others may start.</summary>
    public bool PromptReady { get; set; }

    /// <summary>
    /// Choice i's seed: the request's for the first, a SplitMix64 mix of (seed, i) for the others, so a seeded request
    /// gives the same n outputs every time and its choices differ from one another.
    /// </summary>
    public static long SeedOf(long seed, int index)
    {
        if (index == 0)
        {
            return seed;
        }

        var z = unchecked((ulong)seed ^ (0xD1B54A32D192ED03UL * (ulong)index));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((long)(z ^ (z >> 31)));
    }
}
