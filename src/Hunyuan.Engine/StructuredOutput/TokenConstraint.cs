using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>One sequence's place in a <see cref="TokenGrammar"/>. After an end id it allows only end ids and is complete.</summary>
internal sealed class TokenConstraint(TokenGrammar grammar, GrammarStateEntry start) : ITokenConstraint
{
    private GrammarStateEntry _state = start;
    private bool _ended;

    public bool IsComplete => _ended || _state.Complete;

    public ulong[]? AllowedTokens()
    {
        if (!_ended)
        {
            return (ulong[])_state.Mask.Clone();
        }

        var mask = new ulong[grammar.Vocabulary.MaskWords];
        foreach (var end in grammar.Vocabulary.EndIds)
        {
            mask[end >> 6] |= 1UL << (int)(end & 63);
        }

        return mask;
    }

    public void Advance(long token)
    {
        if (_ended && grammar.Vocabulary.EndIds.Contains(token))
        {
            return;
        }

        if (_ended || !_state.Allows(token))
        {
            throw new InvalidOperationException($"token {token} is not allowed here by the grammar (the sampler must apply the mask)");
        }

        if (grammar.Vocabulary.EndIds.Contains(token))
        {
            _ended = true;
            return;
        }

        _state = _state.Next(token);
    }
}
