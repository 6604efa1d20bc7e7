using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Tests.TestSupport;

/// <summary>One sequence's state in a <see cref="StepSetGrammar"/>.</summary>
internal sealed class StepSetConstraint(IReadOnlyList<long[]> sets, long vocab) : ITokenConstraint
{
    private readonly List<long> _advanced = [];

    /// <summary>Every token the scheduler advanced with, in order.</summary>
    public IReadOnlyList<long> Advanced => _advanced;

    /// <summary>How many times a mask was asked for: once per sampled token when only sampling steps ask.</summary>
    public int MaskRequests { get; private set; }

    public bool IsComplete => _advanced.Count == sets.Count;

    public ulong[]? AllowedTokens()
    {
        MaskRequests++;
        return IsComplete ? throw new InvalidOperationException("the output is complete; no mask was due") : TokenMask.Of(sets[_advanced.Count], vocab);
    }

    public void Advance(long token)
    {
        if (IsComplete || !sets[_advanced.Count].Contains(token))
        {
            throw new InvalidOperationException($"token {token} is outside step {_advanced.Count}'s set");
        }

        _advanced.Add(token);
    }
}
