using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Tests.TestSupport;

/// <summary>
/// A test grammar: the k-th generated token must be one of <c>sets[k]</c>, and the output is complete after the last
/// set. Each started constraint records what it was asked and advanced with, and throws on a token outside its mask.
/// </summary>
internal sealed class StepSetGrammar(IReadOnlyList<long[]> sets, long vocab) : ITokenGrammar
{
    private readonly List<StepSetConstraint> _started = [];

    public IReadOnlyList<long[]> Sets { get; } = sets;

    public IReadOnlyList<StepSetConstraint> Started
    {
        get
        {
            lock (_started)
            {
                return [.. _started];
            }
        }
    }

    /// <summary><paramref name="steps"/> random sets of <paramref name="size"/> distinct ids in [1, vocab), seeded.</summary>
    public static StepSetGrammar Random(int steps, int size, long vocab, int seed)
    {
        var random = new System.Random(seed);
        var sets = Enumerable.Range(0, steps)
            .Select(_ => Enumerable.Range(0, size * 4).Select(_ => (long)random.Next(1, (int)vocab)).Distinct().Take(size).ToArray())
            .ToArray();
        return new StepSetGrammar(sets, vocab);
    }

    public ITokenConstraint Start()
    {
        var c = new StepSetConstraint(Sets, vocab);
        lock (_started)
        {
            _started.Add(c);
        }

        return c;
    }
}
