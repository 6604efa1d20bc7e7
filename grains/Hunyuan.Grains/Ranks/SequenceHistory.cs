namespace Hunyuan.Grains.Ranks;

/// <summary>The tokens of one sequence as the last stage has seen them, for the sampler's penalties.</summary>
internal sealed class SequenceHistory(int promptLength)
{
    private readonly List<long> _tokens = [];

    public int PromptLength { get; } = promptLength;

    public IReadOnlyList<long> Tokens => _tokens;

    public void Apply(int start, long[] tokens)
    {
        if (start < _tokens.Count)
        {
            _tokens.RemoveRange(start, _tokens.Count - start);
        }

        _tokens.AddRange(tokens);
    }
}
