namespace Hunyuan.Model.Generation;

/// <summary>
/// The model's own distribution at one position: log-softmax of the raw logits, before temperature, penalties and any
/// grammar mask (what vLLM reports by default). <see cref="Logprob"/> is the chosen token's; <see cref="TopIds"/> and
/// <see cref="TopLogprobs"/> are the most likely ids, best first, as many as the request asked for.
/// </summary>
public sealed record TokenLogprobs(float Logprob, long[] TopIds, float[] TopLogprobs)
{
    /// <summary>The most top candidates a request may ask for (OpenAI's limit).</summary>
    public const int MaxTop = 20;
}
