namespace Hunyuan.Model.Generation;

/// <summary>
/// One sequence's position in a grammar that restricts which tokens may come next (structured output). The scheduler
/// asks for the mask before each step that samples the sequence, sends it with the step to the rank that samples,
/// and advances with the token that came back. A sequence is in at most one step at a time, so calls never overlap.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>
    /// The ids that may come next as a bitset over the vocabulary (bit <c>id % 64</c> of word <c>id / 64</c>), or
    /// null when any token may. End-of-sequence ids are set only where the output so far is a complete value.
    /// </summary>
    ulong[]? AllowedTokens();

    /// <summary>Moves past a sampled token; a token outside the last mask is a bug in the caller and throws.</summary>
    void Advance(long token);

    /// <summary>The output is a complete value and no token can extend it: the request finishes with stop.</summary>
    bool IsComplete { get; }
}
