namespace Hunyuan.Model.Generation;

/// <summary>
/// How a next token is chosen from logits (vLLM's semantics): temperature 0 is greedy; top-k 0 and top-p 1 and
/// min-p 0 disable those filters; penalties 1 / 0 / 0 are off. The seed makes a draw depend only on (seed, position).
/// VocabLimit > 0 excludes ids from it on: the embedding's padding rows past the tokenizer's last id.
/// Logprobs asks for the chosen token's log-probability (0) and that many top candidates (1..<see cref="TokenLogprobs.MaxTop"/>);
/// -1 asks for none. It changes nothing about the choice.
/// </summary>
public sealed record SamplingParameters(
    double Temperature = 0,
    double TopP = 1,
    int TopK = 0,
    double MinP = 0,
    double RepetitionPenalty = 1,
    double PresencePenalty = 0,
    double FrequencyPenalty = 0,
    long Seed = 0,
    int VocabLimit = 0,
    int Logprobs = -1)
{
    public static SamplingParameters Greedy { get; } = new();
}
